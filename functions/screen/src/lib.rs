//! The screen step, a queue consumer subscribed to the paid and answered events: the traveller of
//! an application whose kind has a screening step is matched against the watchlist in force and
//! the candidates recorded for the screening unit. A failure that may pass is left to the queue
//! to deliver again; a message that can never be read goes to the dead letters.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use guichet_core::Error;
use guichet_core::catalogue::Catalogue;
use guichet_core::domain::{ApplicationId, SCREEN};
use guichet_core::ports::{ApplicationStore, BlobStore, Clock, DeadLetters, WatchlistLog};
use guichet_core::usecases::screening::{self, ListCache, Screening, Watchlists};
use guichet_queue::Outcome;
use std::sync::Arc;

/// What the screen function works with. The list is parsed once per version and kept between
/// invocations of a warm function.
pub struct Screen {
    pub applications: Arc<dyn ApplicationStore>,
    pub catalogue: Arc<Catalogue>,
    pub watchlists: Arc<dyn WatchlistLog>,
    pub blobs: Arc<dyn BlobStore>,
    pub clock: Arc<dyn Clock>,
    pub dead_letters: Arc<dyn DeadLetters>,
    pub cache: ListCache,
}

impl Screen {
    fn screening(&self) -> Screening<'_> {
        Screening {
            applications: self.applications.as_ref(),
            catalogue: &self.catalogue,
            lists: Watchlists {
                log: self.watchlists.as_ref(),
                blobs: self.blobs.as_ref(),
                clock: self.clock.as_ref(),
            },
            cache: &self.cache,
        }
    }
}

pub async fn handle(f: &Screen, event: SqsEvent) -> SqsBatchResponse {
    guichet_queue::one_by_one(event, f.dead_letters.as_ref(), |body| async move {
        process(f, &body).await
    })
    .await
}

/// The application an event names, if it is one the screen step is subscribed to.
fn read(body: &str) -> Result<ApplicationId, &'static str> {
    guichet_queue::subscribed(body, &SCREEN).map(|e| e.application_id)
}

async fn process(f: &Screen, body: &str) -> Outcome {
    let id = match read(body) {
        Ok(id) => id,
        Err(why) => return Outcome::SetAside(why),
    };
    match screening::screen(&f.screening(), id).await {
        Ok(_) => Outcome::Done,
        Err(e) => {
            let why = match e {
                Error::NotFound => "no such application",
                _ => "the screen step refused it",
            };
            tracing::info!(application_id = %id, "screening did not finish");
            Outcome::failed("screen", &e, why)
        }
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
        assert!(read(&event("paid")).is_ok());
        assert!(read(&event("answered")).is_ok());
        assert!(read(&event("approved")).is_err());
        assert!(read("not json").is_err());
    }
}
