//! `Idempotency-Key` on every request that creates or changes something: the same key with the
//! same request answers with what the first one made; the same key with another request is
//! refused (422); a key holds for 24 hours. The record is written in the same store write as the
//! change it protects, so a crash leaves both or neither.

use crate::domain::{Application, ApplicationId, Principal, StatusChange};
use crate::error::Error;
use crate::messages::Msg;
use crate::ports::{ApplicationStore, Clock, IdempotencyRecord, StoreError};
use sha2::{Digest, Sha256};

/// An `Idempotency-Key` header and the body it came with.
pub struct Idempotency<'a> {
    pub key: &'a str,
    pub body: &'a [u8],
}

/// How long a key holds.
pub const IDEMPOTENCY_TTL: time::Duration = time::Duration::hours(24);

/// The record a keyed request will leave. Keys belong to their caller; `route` (empty for a
/// submission, whose records predate it) joins the body in the hash, so a key reused on
/// another route is another request.
pub fn record(
    clock: &dyn Clock,
    who: &Principal,
    idempotency: &Idempotency<'_>,
    route: &str,
    application_id: ApplicationId,
) -> Result<IdempotencyRecord, Error> {
    let key = idempotency.key.trim();
    if key.is_empty() || key.len() > 128 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Error::invalid(
            "Idempotency-Key",
            Msg::InvalidIdempotencyKey,
        ));
    }
    let mut hash = Sha256::new();
    if !route.is_empty() {
        hash.update(route.as_bytes());
        hash.update(b"\n");
    }
    hash.update(idempotency.body);
    let now = clock.now();
    Ok(IdempotencyRecord {
        scoped_key: format!("{}:{key}", who.subject),
        request_hash: hex::encode(hash.finalize()),
        application_id,
        at: now,
        expires_at: now + IDEMPOTENCY_TTL,
    })
}

/// The application a live key already made or changed (as it is now); refuses the key with
/// another request. `None` when the key is new.
pub async fn replay(
    store: &dyn ApplicationStore,
    record: &IdempotencyRecord,
) -> Result<Option<Application>, Error> {
    let Some(existing) = store.idempotency(&record.scoped_key, record.at).await? else {
        return Ok(None);
    };
    if existing.request_hash != record.request_hash {
        return Err(Error::invalid("Idempotency-Key", Msg::IdempotencyKeyReused));
    }
    Ok(store.get(existing.application_id).await?)
}

/// Writes a change, with the key's record in the same write when the request has one.
pub async fn write(
    store: &dyn ApplicationStore,
    app: &Application,
    changes: &[StatusChange],
    record: Option<&IdempotencyRecord>,
) -> Result<u64, Error> {
    Ok(match record {
        Some(r) => store.update_once(app, changes, r).await?,
        None => store.update(app, changes).await?,
    })
}

/// Runs a change of application `id` at most once per key: a known key answers with the
/// application as it is now (if `visible` to the caller), a new key goes with the change
/// (`change` gets its record to `write`), and a twin request that won the race is replayed.
/// The flag says whether this was a replay.
#[allow(clippy::too_many_arguments)] // the key, its route, the change and who may see it
pub async fn once<F, Fut>(
    store: &dyn ApplicationStore,
    clock: &dyn Clock,
    who: &Principal,
    idempotency: Option<Idempotency<'_>>,
    route: &str,
    id: ApplicationId,
    visible: impl Fn(&Application) -> bool,
    change: F,
) -> Result<(Application, bool), Error>
where
    F: FnOnce(Option<IdempotencyRecord>) -> Fut,
    Fut: std::future::Future<Output = Result<Application, Error>>,
{
    let record = idempotency
        .map(|i| record(clock, who, &i, route, id))
        .transpose()?;
    let replayed = |app: Option<Application>| {
        app.filter(|a| visible(a))
            .map(|a| (a, true))
            .ok_or(Error::NotFound)
    };
    if let Some(r) = &record
        && let Some(app) = replay(store, r).await?
    {
        return replayed(Some(app));
    }
    match (change(record.clone()).await, &record) {
        // The same key raced us and won: answer with what it made (gone already: try again).
        (Err(Error::Store(StoreError::Duplicate)), Some(r)) => replayed(Some(
            replay(store, r)
                .await?
                .ok_or(Error::Store(StoreError::Conflict))?,
        )),
        (other, _) => other.map(|app| (app, false)),
    }
}
