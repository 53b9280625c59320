//! The notify step, a queue consumer subscribed to the events applicants are told of (paid,
//! information requested, approved, rejected, issued, revoked): each becomes an email and an
//! SMS to the addresses the applicant gave (`usecases::notify`). A provider down for a while
//! leaves the message to come back; a message that can never be read goes to the dead letters.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use guichet_core::Error;
use guichet_core::domain::{Event, NOTIFY};
use guichet_core::ports::{ApplicationStore, Clock, DeadLetters, Notifier, SentLog};
use guichet_core::settings::{Env, SettingError};
use guichet_core::usecases::notify::{self, Notifying};
use std::sync::Arc;

/// What the notify function works with.
pub struct Notify {
    pub applications: Arc<dyn ApplicationStore>,
    pub notifier: Arc<dyn Notifier>,
    pub sent: Arc<dyn SentLog>,
    pub clock: Arc<dyn Clock>,
    pub dead_letters: Arc<dyn DeadLetters>,
    pub settings: NotifySettings,
}

/// `GUICHET_PORTAL_URL`, which messages link to; `GUICHET_MAIL_FROM`, the sender on AWS.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    pub portal_url: String,
    pub mail_from: String,
}

impl NotifySettings {
    pub fn read(env: &Env) -> Result<Self, SettingError> {
        Ok(NotifySettings {
            portal_url: guichet_core::settings::address(env, "GUICHET_PORTAL_URL")?
                .unwrap_or_else(|| "https://guichet.ml".into()),
            mail_from: env.or("GUICHET_MAIL_FROM", "no-reply@guichet.ml"),
        })
    }
}

pub async fn handle(f: &Notify, event: SqsEvent) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for message in event.records {
        let id = message.message_id.clone().unwrap_or_default();
        let body = message.body.unwrap_or_default();
        if process(f, &id, &body).await {
            response.add_failure(id);
        }
    }
    response
}

fn read(body: &str) -> Result<Event, &'static str> {
    let event: Event = serde_json::from_str(body).map_err(|_| "unreadable message")?;
    if NOTIFY.wants(&event) {
        Ok(event)
    } else {
        Err("an event the notify step is not subscribed to")
    }
}

/// Works one message; `true` when it must be delivered again.
async fn process(f: &Notify, message_id: &str, body: &str) -> bool {
    let event = match read(body) {
        Ok(e) => e,
        Err(reason) => return !set_aside(f, message_id, body, reason).await,
    };
    let ports = Notifying {
        applications: f.applications.as_ref(),
        notifier: f.notifier.as_ref(),
        sent: f.sent.as_ref(),
        clock: f.clock.as_ref(),
        portal_url: &f.settings.portal_url,
    };
    match notify::notify(&ports, &event).await {
        Ok(sent) => {
            tracing::info!(message_id, sent, event = %event.event_type, "applicant told");
            false
        }
        Err(e) if e.is_retryable() => {
            tracing::warn!(message_id, error = %e, "notification failed for a while; the queue will deliver it again");
            true
        }
        Err(e) => {
            let reason = match e {
                Error::NotFound => "no such application",
                _ => "the notify step refused it",
            };
            tracing::error!(message_id, error = %e, "notification cannot succeed");
            !set_aside(f, message_id, body, reason).await
        }
    }
}

async fn set_aside(f: &Notify, message_id: &str, body: &str, reason: &str) -> bool {
    guichet_core::ports::set_aside(f.dead_letters.as_ref(), message_id, body, reason).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_events_applicants_are_told_of_are_read() {
        let event = |t: &str| {
            format!(
                r#"{{"id":"01J.1","type":"{t}","application_id":"01JD0000000000000000000000","kind":"criminal_record_extract","office":"TGI-BKO-C3","at":"2026-12-05T10:00:00Z"}}"#
            )
        };
        for t in [
            "paid",
            "info_requested",
            "approved",
            "rejected",
            "issued",
            "revoked",
        ] {
            assert!(read(&event(t)).is_ok(), "{t}");
        }
        for t in ["issue_requested", "crossed", "step_done"] {
            assert!(read(&event(t)).is_err(), "{t}");
        }
        assert!(read("{").is_err());
    }
}
