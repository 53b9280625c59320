//! The issue step, a queue consumer: each message names an approved application. What fails for
//! a while (a throttled or unreachable store) is tried again a few times, then left to the queue
//! to deliver again; what can never succeed (an unreadable message, an application that does not
//! exist) is set aside in the dead letters at once. The answer lists only the messages to deliver
//! again, so one bad message does not send the batch round again.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use guichet_core::Error;
use guichet_core::catalogue::Catalogue;
use guichet_core::domain::{ApplicationId, Event, ISSUE};
use guichet_core::ports::{
    ApplicationStore, BlobStore, Clock, DeadLetters, DocumentRegistry, DocumentRenderer, Sealer,
    Uploads,
};
use guichet_core::usecases::issue::{self, IssueOutcome, Issuing};
use guichet_queue::Outcome;
use std::sync::Arc;
use std::time::Duration;

/// What the issue function works with.
pub struct Issue {
    pub applications: Arc<dyn ApplicationStore>,
    pub documents: Arc<dyn DocumentRegistry>,
    pub blobs: Arc<dyn BlobStore>,
    pub catalogue: Arc<Catalogue>,
    pub sealer: Arc<dyn Sealer>,
    pub renderer: Arc<dyn DocumentRenderer>,
    pub clock: Arc<dyn Clock>,
    pub dead_letters: Arc<dyn DeadLetters>,
    /// Where the photos documents print were sent.
    pub uploads: Arc<dyn Uploads>,
}

/// Tries of a retryable failure within one delivery, and the wait before each retry: a short
/// throttle passes here; a long outage is left to the queue's redelivery.
const PAUSES: [Duration; 2] = [Duration::from_millis(100), Duration::from_millis(400)];

impl Issue {
    pub fn issuing(&self) -> Issuing<'_> {
        Issuing {
            applications: self.applications.as_ref(),
            documents: self.documents.as_ref(),
            blobs: self.blobs.as_ref(),
            catalogue: &self.catalogue,
            sealer: self.sealer.as_ref(),
            renderer: self.renderer.as_ref(),
            clock: self.clock.as_ref(),
            uploads: self.uploads.as_ref(),
        }
    }
}

/// The messages of a batch are worked on together: while one waits on the store, another renders.
pub async fn handle(f: &Issue, event: SqsEvent) -> SqsBatchResponse {
    guichet_queue::together(event, f.dead_letters.as_ref(), |body| async move {
        process(f, &body).await
    })
    .await
}

async fn process(f: &Issue, body: &str) -> Outcome {
    let id = match read(body) {
        Ok(id) => id,
        Err(why) => return Outcome::SetAside(why),
    };
    let mut pauses = PAUSES.iter();
    loop {
        match issue::issue(&f.issuing(), id).await {
            Ok(IssueOutcome::Issued(_) | IssueOutcome::AlreadyIssued(_)) => return Outcome::Done,
            Ok(IssueOutcome::NotApproved(status)) => {
                tracing::warn!(application_id = %id, status = %status, "issue request for an application that is not approved");
                return Outcome::Done;
            }
            Err(e) => match (e.is_retryable(), pauses.next()) {
                // A short pause here costs less than a redelivery's visibility timeout.
                (true, Some(pause)) => {
                    tracing::warn!(application_id = %id, error = %e, "issue failed for a while; trying again");
                    tokio::time::sleep(*pause).await;
                }
                _ => {
                    tracing::info!(application_id = %id, "issue did not finish");
                    return Outcome::failed("issue", &e, permanent(&e));
                }
            },
        }
    }
}

/// An issue request queued before requests were events: `{"application_id": …}`.
#[derive(serde::Deserialize)]
struct Request {
    application_id: String,
}

/// The application a message asks to issue: an event the issue step is subscribed to, or a
/// request queued before events.
fn read(body: &str) -> Result<ApplicationId, &'static str> {
    if let Ok(event) = serde_json::from_str::<Event>(body) {
        return if ISSUE.wants(&event) {
            Ok(event.application_id)
        } else {
            Err("an event the issue step is not subscribed to")
        };
    }
    let request: Request = serde_json::from_str(body).map_err(|_| "unreadable message")?;
    request
        .application_id
        .parse()
        .map_err(|_| "unreadable application id")
}

/// Why a failure is for a person: words for the dead letters, with no personal data.
fn permanent(e: &Error) -> &'static str {
    match e {
        Error::NotFound => "no such application",
        Error::UnknownOffice(_) => "the application's office is not in the catalogue",
        Error::Render(_) => "the document cannot be drawn",
        Error::NumbersExhausted { .. } => "document numbers exhausted",
        _ => "the issue step refused it",
    }
}

#[cfg(test)]
mod tests;
