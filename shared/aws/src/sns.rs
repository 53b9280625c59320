//! The fan-out on AWS: an SNS topic of application events, to which each consumer's SQS queue is
//! subscribed with a filter on the event type (infra/template.yaml). Messages are delivered raw,
//! so a consumer reads the event itself.

use super::fault;
use async_trait::async_trait;
use aws_sdk_sns::Client;
use aws_sdk_sns::types::MessageAttributeValue;
use guichet_core::domain::Event;
use guichet_core::ports::{EventBus, Fault, QueueError};

#[derive(Clone)]
pub struct SnsEventBus {
    client: Client,
    topic_arn: String,
}

impl SnsEventBus {
    pub fn new(client: Client, topic_arn: impl Into<String>) -> Self {
        SnsEventBus {
            client,
            topic_arn: topic_arn.into(),
        }
    }
}

#[async_trait]
impl EventBus for SnsEventBus {
    async fn publish(&self, event: &Event) -> Result<(), QueueError> {
        let refused = |e: &dyn std::fmt::Display| QueueError(Fault::refused(e));
        let body = serde_json::to_string(event).map_err(|e| refused(&e))?;
        // The subscriptions' filter policies read the type from this attribute.
        let event_type = MessageAttributeValue::builder()
            .data_type("String")
            .string_value(event.event_type.as_str())
            .build()
            .map_err(|e| refused(&e))?;
        self.client
            .publish()
            .topic_arn(&self.topic_arn)
            .message(body)
            .message_attributes("type", event_type)
            .send()
            .await
            .map_err(|e| QueueError(fault(&e)))?;
        Ok(())
    }
}
