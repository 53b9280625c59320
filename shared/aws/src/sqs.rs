//! The issue-request queue on SQS. On Lambda the event source mapping feeds the consumer; off
//! Lambda (`guichet serve` against an emulator) `receive` and `delete` play that part.

use super::fault;
use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::MessageSystemAttributeName;
use guichet_core::ports::{DeadLetters, QueueError, Undeliverable};

/// One consumer's queue, as a poller reads it.
#[derive(Clone)]
pub struct SqsQueue {
    client: Client,
    url: String,
}

/// One received message and what it takes to acknowledge it.
#[derive(Debug, Clone)]
pub struct SqsDelivery {
    pub message_id: String,
    pub receipt_handle: String,
    pub body: String,
    pub receive_count: u32,
}

fn error<E>(e: aws_sdk_sqs::error::SdkError<E>) -> QueueError
where
    E: aws_sdk_sqs::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    QueueError(fault(&e))
}

impl SqsQueue {
    pub fn new(client: Client, url: impl Into<String>) -> Self {
        SqsQueue {
            client,
            url: url.into(),
        }
    }

    /// Up to `max` messages, waiting up to `wait_seconds` for the first (long polling), hidden
    /// from other receivers for `visibility_seconds`.
    pub async fn receive(
        &self,
        max: i32,
        wait_seconds: i32,
        visibility_seconds: i32,
    ) -> Result<Vec<SqsDelivery>, QueueError> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .visibility_timeout(visibility_seconds)
            .max_number_of_messages(max)
            .wait_time_seconds(wait_seconds)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(error)?;
        Ok(out
            .messages
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| {
                let receive_count = m
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1);
                Some(SqsDelivery {
                    message_id: m.message_id?,
                    receipt_handle: m.receipt_handle?,
                    body: m.body.unwrap_or_default(),
                    receive_count,
                })
            })
            .collect())
    }

    pub async fn delete(&self, receipt_handle: &str) -> Result<(), QueueError> {
        self.client
            .delete_message()
            .queue_url(&self.url)
            .receipt_handle(receipt_handle)
            .send()
            .await
            .map_err(error)?;
        Ok(())
    }
}

/// A consumer's dead-letter queue: what it can never process is sent here at once, with why,
/// instead of coming back until the queue's receive limit moves it.
#[derive(Clone)]
pub struct SqsDeadLetters {
    client: Client,
    url: String,
}

impl SqsDeadLetters {
    pub fn new(client: Client, url: impl Into<String>) -> Self {
        SqsDeadLetters {
            client,
            url: url.into(),
        }
    }
}

#[async_trait]
impl DeadLetters for SqsDeadLetters {
    async fn set_aside(&self, message: &Undeliverable<'_>) -> Result<(), QueueError> {
        let attribute = |value: &str| {
            aws_sdk_sqs::types::MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .map_err(|e| QueueError(guichet_core::ports::Fault::refused(e)))
        };
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(message.body)
            .message_attributes("reason", attribute(message.reason)?)
            .message_attributes("original_message_id", attribute(message.message_id)?)
            .send()
            .await
            .map_err(error)?;
        tracing::warn!(
            message_id = message.message_id,
            reason = message.reason,
            "message set aside in the dead letters"
        );
        Ok(())
    }
}
