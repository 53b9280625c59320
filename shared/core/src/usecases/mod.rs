//! The use cases: what each step of the pipeline does, over the ports it is handed. Handlers
//! translate HTTP or queue events into calls on these and back; nothing here knows which
//! transport called, and each use case takes only the ports it uses.

pub mod aes;
pub mod applications;
pub mod attachments;
pub mod audit;
pub mod border;
pub mod citizen;
pub mod forward;
pub mod idempotency;
pub mod issue;
pub mod keys;
pub mod notify;
pub mod payment;
pub mod reconcile;
pub mod report;
pub mod review;
pub mod revoke;
pub mod screening;
pub mod submit;
pub mod verify;

use crate::domain::{Application, ApplicationId, Principal, Role};
use crate::error::Error;
use crate::ports::{ApplicationStore, StoreError};
use std::future::Future;

/// A write that lost a race is redone from a fresh read; a few rounds settle any real contention.
pub(crate) async fn retry_on_conflict<T, F, Fut>(mut attempt: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    const ROUNDS: usize = 8;
    for _ in 1..ROUNDS {
        match attempt().await {
            Err(Error::Store(StoreError::Conflict)) => tokio::task::yield_now().await,
            other => return other,
        }
    }
    attempt().await
}

/// An id from a path: anything that is not a well-formed id is simply not found.
pub fn parse_id(raw: &str) -> Result<ApplicationId, Error> {
    raw.parse().map_err(|_| Error::NotFound)
}

/// The caller's own application; anyone else's, like one that does not exist, is not found.
pub(crate) async fn own(
    store: &dyn ApplicationStore,
    who: &Principal,
    id: ApplicationId,
) -> Result<Application, Error> {
    store
        .get(id)
        .await?
        .filter(|a| a.subject == who.subject)
        .ok_or(Error::NotFound)
}

/// Refuses every role but the listed ones (403): deny by default.
pub fn require(who: &Principal, roles: &[Role]) -> Result<(), Error> {
    if who.is_one_of(roles) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}
