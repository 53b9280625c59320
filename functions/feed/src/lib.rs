//! The feed step, a queue consumer subscribed to the issued, revoked and crossed events: each one
//! on a visa of AES scope becomes the next item of the feed partner states read
//! (`GET /v1/aes/visas`), signed with the seal key. A failure that may pass is left to the queue
//! to deliver again; a message that can never be read goes to the dead letters.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use guichet_core::Error;
use guichet_core::domain::{Event, FEED};
use guichet_core::ports::{ApplicationStore, DeadLetters, DocumentRegistry, PartnerFeed, Sealer};
use guichet_core::usecases::aes::{self, Feeding};
use std::sync::Arc;

/// What the feed function works with.
pub struct Feed {
    pub applications: Arc<dyn ApplicationStore>,
    pub documents: Arc<dyn DocumentRegistry>,
    pub feed: Arc<dyn PartnerFeed>,
    pub sealer: Arc<dyn Sealer>,
    pub dead_letters: Arc<dyn DeadLetters>,
}

pub async fn handle(f: &Feed, event: SqsEvent) -> SqsBatchResponse {
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
    if FEED.wants(&event) {
        Ok(event)
    } else {
        Err("an event the feed step is not subscribed to")
    }
}

/// Works one message; `true` when it must be delivered again.
async fn process(f: &Feed, message_id: &str, body: &str) -> bool {
    let event = match read(body) {
        Ok(e) => e,
        Err(reason) => return !set_aside(f, message_id, body, reason).await,
    };
    let ports = Feeding {
        applications: f.applications.as_ref(),
        documents: f.documents.as_ref(),
        feed: f.feed.as_ref(),
        sealer: f.sealer.as_ref(),
    };
    match aes::record(&ports, &event).await {
        Ok(Some(seq)) => {
            tracing::info!(message_id, seq, event = %event.event_type, "feed item made");
            false
        }
        Ok(None) => false,
        Err(e) if e.is_retryable() => {
            tracing::warn!(message_id, error = %e, "feed failed for a while; the queue will deliver it again");
            true
        }
        Err(e) => {
            let reason = match e {
                Error::NotFound => "no such application",
                _ => "the feed step refused it",
            };
            tracing::error!(message_id, error = %e, "feed cannot succeed");
            !set_aside(f, message_id, body, reason).await
        }
    }
}

async fn set_aside(f: &Feed, message_id: &str, body: &str, reason: &str) -> bool {
    guichet_core::ports::set_aside(f.dead_letters.as_ref(), message_id, body, reason).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_events_it_is_subscribed_to_are_read() {
        let event = |t: &str| {
            format!(
                r#"{{"id":"01J.1","type":"{t}","application_id":"01JD0000000000000000000000","kind":"visa","office":"AMB-PARIS","at":"2026-12-05T10:00:00Z"}}"#
            )
        };
        for t in ["issued", "revoked", "crossed"] {
            assert!(read(&event(t)).is_ok(), "{t}");
        }
        assert!(read(&event("paid")).is_err());
        assert!(read("{").is_err());
    }
}
