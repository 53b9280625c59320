//! Notifications on AWS: email through SES (v2 API), SMS through SNS, sent as transactional
//! messages from the service's verified sender.

use super::fault;
use async_trait::async_trait;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use aws_sdk_sns::types::MessageAttributeValue;
use guichet_core::ports::{Channel, Notification, Notifier, SendError};

#[derive(Clone)]
pub struct SesSnsNotifier {
    ses: aws_sdk_sesv2::Client,
    sns: aws_sdk_sns::Client,
    /// The verified sender (`GUICHET_MAIL_FROM`).
    from: String,
}

impl SesSnsNotifier {
    pub fn new(
        ses: aws_sdk_sesv2::Client,
        sns: aws_sdk_sns::Client,
        from: impl Into<String>,
    ) -> Self {
        SesSnsNotifier {
            ses,
            sns,
            from: from.into(),
        }
    }
}

fn text(data: &str) -> Result<Content, SendError> {
    Content::builder()
        .data(data)
        .charset("UTF-8")
        .build()
        .map_err(|e| SendError::Refused(e.to_string()))
}

fn sent<E>(outcome: Result<E, guichet_core::ports::Fault>) -> Result<(), SendError> {
    match outcome {
        Ok(_) => Ok(()),
        Err(f) if f.is_retryable() => Err(SendError::Transient(f.to_string())),
        Err(f) => Err(SendError::Refused(f.to_string())),
    }
}

#[async_trait]
impl Notifier for SesSnsNotifier {
    async fn send(&self, n: &Notification) -> Result<(), SendError> {
        match &n.channel {
            Channel::Email { to, subject, body } => {
                let message = Message::builder()
                    .subject(text(subject)?)
                    .body(Body::builder().text(text(body)?).build())
                    .build();
                sent(
                    self.ses
                        .send_email()
                        .from_email_address(&self.from)
                        .destination(
                            Destination::builder()
                                .to_addresses(String::from(to.clone()))
                                .build(),
                        )
                        .content(EmailContent::builder().simple(message).build())
                        .send()
                        .await
                        .map_err(|e| fault(&e)),
                )
            }
            Channel::Sms { to, text } => {
                let transactional = MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value("Transactional")
                    .build()
                    .map_err(|e| SendError::Refused(e.to_string()))?;
                sent(
                    self.sns
                        .publish()
                        .phone_number(String::from(to.clone()))
                        .message(text)
                        .message_attributes("AWS.SNS.SMS.SMSType", transactional)
                        .send()
                        .await
                        .map_err(|e| fault(&e)),
                )
            }
        }
    }
}
