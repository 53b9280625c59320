//! The issue-request queue on SQS. On Lambda the event source mapping feeds the consumer; off
//! Lambda (`guichet serve` against an emulator) `receive` and `delete` play that part.

use super::describe;
use crate::ports::{Queue, QueueError, QueueName};
use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::MessageSystemAttributeName;

#[derive(Clone)]
pub struct SqsQueue {
    client: Client,
    issue_requests: String,
}

/// One received message and what it takes to acknowledge it.
#[derive(Debug, Clone)]
pub struct SqsDelivery {
    pub message_id: String,
    pub receipt_handle: String,
    pub body: String,
    pub receive_count: u32,
}

fn error(e: impl std::error::Error + 'static) -> QueueError {
    QueueError(describe(&e))
}

impl SqsQueue {
    pub fn new(client: Client, issue_requests_url: impl Into<String>) -> Self {
        SqsQueue {
            client,
            issue_requests: issue_requests_url.into(),
        }
    }

    fn url(&self, queue: QueueName) -> &str {
        match queue {
            QueueName::IssueRequests => &self.issue_requests,
        }
    }

    /// Up to `max` messages, waiting up to `wait_seconds` for the first (long polling).
    pub async fn receive(
        &self,
        queue: QueueName,
        max: i32,
        wait_seconds: i32,
    ) -> Result<Vec<SqsDelivery>, QueueError> {
        let out = self
            .client
            .receive_message()
            .queue_url(self.url(queue))
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

    pub async fn delete(&self, queue: QueueName, receipt_handle: &str) -> Result<(), QueueError> {
        self.client
            .delete_message()
            .queue_url(self.url(queue))
            .receipt_handle(receipt_handle)
            .send()
            .await
            .map_err(error)?;
        Ok(())
    }
}

#[async_trait]
impl Queue for SqsQueue {
    async fn send(&self, queue: QueueName, body: &str) -> Result<(), QueueError> {
        self.client
            .send_message()
            .queue_url(self.url(queue))
            .message_body(body)
            .send()
            .await
            .map_err(error)?;
        Ok(())
    }
}
