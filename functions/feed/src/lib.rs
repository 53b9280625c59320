//! The feed step, a queue consumer subscribed to the issued, revoked and crossed events: each one
//! on a visa of AES scope becomes the next item of the feed partner states read
//! (`GET /v1/aes/visas`), signed with the seal key. A failure that may pass is left to the queue
//! to deliver again; a message that can never be read goes to the dead letters.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use guichet_core::Error;
use guichet_core::domain::{Event, FEED};
use guichet_core::ports::{ApplicationStore, DeadLetters, DocumentRegistry, PartnerFeed, Sealer};
use guichet_core::usecases::aes::{self, Feeding};
use guichet_queue::Outcome;
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
    guichet_queue::one_by_one(event, f.dead_letters.as_ref(), |body| async move {
        process(f, &body).await
    })
    .await
}

fn read(body: &str) -> Result<Event, &'static str> {
    guichet_queue::subscribed(body, &FEED)
}

async fn process(f: &Feed, body: &str) -> Outcome {
    let event = match read(body) {
        Ok(e) => e,
        Err(why) => return Outcome::SetAside(why),
    };
    let ports = Feeding {
        applications: f.applications.as_ref(),
        documents: f.documents.as_ref(),
        feed: f.feed.as_ref(),
        sealer: f.sealer.as_ref(),
    };
    match aes::record(&ports, &event).await {
        Ok(Some(seq)) => {
            tracing::info!(seq, event = %event.event_type, "feed item made");
            Outcome::Done
        }
        Ok(None) => Outcome::Done,
        Err(e) => Outcome::failed("feed", &e, refusal(&e)),
    }
}

fn refusal(e: &Error) -> &'static str {
    match e {
        Error::NotFound => "no such application",
        _ => "the feed step refused it",
    }
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
