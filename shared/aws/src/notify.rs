//! Notifications on AWS: email through SES (v2 API), SMS through SNS, sent as transactional
//! messages from the service's verified sender.

use super::fault;
use async_trait::async_trait;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use aws_sdk_sns::types::MessageAttributeValue;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
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

/// The provider's codes for a message this recipient can never be sent (a malformed address or
/// number): set aside, not tried again. Any other refusal is ours (a sender not verified, a
/// permission, a paused account): the message goes back to its queue, is retried, and ends among
/// the dead letters, where the alarm tells ops, rather than being dropped.
const RECIPIENTS_FAULT: [&str; 3] = [
    "BadRequestException",
    "InvalidParameter",
    "InvalidParameterValue",
];

/// What became of a send, in words free of the recipient: the provider's messages may quote the
/// address or number, so only its error code is kept.
fn sent<O, E>(
    outcome: Result<O, SdkError<E, aws_smithy_runtime_api::http::Response>>,
) -> Result<(), SendError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let Err(e) = outcome else { return Ok(()) };
    let code = e
        .as_service_error()
        .and_then(|s| s.code())
        .unwrap_or("no error code")
        .to_owned();
    if !fault(&e).is_retryable() && RECIPIENTS_FAULT.contains(&code.as_str()) {
        Err(SendError::Refused(code))
    } else {
        Err(SendError::Transient(code))
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
                        .await,
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
                        .await,
                )
            }
        }
    }
}
