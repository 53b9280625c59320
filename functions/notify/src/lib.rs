//! The notify step, a queue consumer subscribed to the events applicants are told of (paid,
//! information requested, approved, rejected, issued, revoked): each becomes an email and an
//! SMS to the addresses the applicant gave (`usecases::notify`). A provider down for a while
//! leaves the message to come back; a message that can never be read goes to the dead letters.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use guichet_core::Error;
use guichet_core::catalogue::Catalogue;
use guichet_core::domain::{Event, NOTIFY};
use guichet_core::ports::{ApplicationStore, Clock, DeadLetters, Notifier, SentLog};
use guichet_core::settings::{Env, SettingError};
use guichet_core::usecases::notify::{self, Notifying};
use guichet_queue::Outcome;
use std::sync::Arc;

/// What the notify function works with.
pub struct Notify {
    pub applications: Arc<dyn ApplicationStore>,
    pub catalogue: Arc<Catalogue>,
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
    guichet_queue::one_by_one(event, f.dead_letters.as_ref(), |body| async move {
        process(f, &body).await
    })
    .await
}

fn read(body: &str) -> Result<Event, &'static str> {
    guichet_queue::subscribed(body, &NOTIFY)
}

async fn process(f: &Notify, body: &str) -> Outcome {
    let event = match read(body) {
        Ok(e) => e,
        Err(why) => return Outcome::SetAside(why),
    };
    let ports = Notifying {
        applications: f.applications.as_ref(),
        catalogue: &f.catalogue,
        notifier: f.notifier.as_ref(),
        sent: f.sent.as_ref(),
        clock: f.clock.as_ref(),
        portal_url: &f.settings.portal_url,
    };
    match notify::notify(&ports, &event).await {
        Ok(sent) => {
            tracing::info!(sent, event = %event.event_type, "applicant told");
            Outcome::Done
        }
        Err(e) => Outcome::failed("notify", &e, refusal(&e)),
    }
}

fn refusal(e: &Error) -> &'static str {
    match e {
        Error::NotFound => "no such application",
        _ => "the notify step refused it",
    }
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
            // A visa's holder's (the kind says which it tells: `Kind::notified`).
            "crossed",
        ] {
            assert!(read(&event(t)).is_ok(), "{t}");
        }
        for t in ["issue_requested", "answered", "step_done"] {
            assert!(read(&event(t)).is_err(), "{t}");
        }
        assert!(read("{").is_err());
    }
}
