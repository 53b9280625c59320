//! Seal keys as ops handle them: a key declared compromised signs nothing more, nothing it
//! sealed verifies any more, and every document it sealed is listed for issuing again, with a
//! note in each application's trail.

use super::retry_on_conflict;
use crate::domain::{IssuedDocument, RETIREMENT_GRACE};
use crate::error::Error;
use crate::ports::{
    ApplicationStore, Clock, Compromise, DocumentRegistry, KeyStoreError, SealKeyStore,
    StoredSealKey,
};

/// What declaring a key compromised needs.
pub struct KeyOps<'a> {
    pub keys: &'a dyn SealKeyStore,
    pub documents: &'a dyn DocumentRegistry,
    pub applications: &'a dyn ApplicationStore,
    pub clock: &'a dyn Clock,
}

/// What was done.
#[derive(Debug)]
pub struct Compromised {
    /// The key started in its place, when it was the one signing.
    pub new_key: Option<String>,
    /// Every document it sealed, to issue again, oldest first.
    pub documents: Vec<IssuedDocument>,
}

/// Declares key `kid` compromised by `by`. When it is the key that signs now, a new one
/// (`fresh`) is started first, so the service never signs with a compromised key. Safe to run
/// again: the first mark stands, and documents already noted are noted again only in their
/// trail's order.
pub async fn compromise(
    ports: &KeyOps<'_>,
    kid: &str,
    by: &str,
    fresh: impl FnOnce(time::OffsetDateTime) -> Result<StoredSealKey, KeyStoreError>,
) -> Result<Compromised, Error> {
    let now = ports.clock.now();
    let stored = ports.keys.load().await?;
    let key = stored
        .iter()
        .find(|k| k.kid == kid)
        .ok_or(Error::NotFound)?
        .clone();
    let signing = stored.iter().max_by_key(|k| k.created_at);
    let new_key = if signing.is_some_and(|k| k.kid == kid) {
        let new = fresh(now)?;
        ports.keys.add(&new).await?;
        Some(new)
    } else {
        None
    };
    let already = key.compromised.is_some();
    ports
        .keys
        .mark_compromised(
            kid,
            &Compromise {
                at: now,
                by: by.to_owned(),
            },
        )
        .await?;
    tracing::warn!(kid, "seal key declared compromised");
    // Its period: from its creation until the next key took over, and the grace after.
    let next = stored
        .iter()
        .map(|k| k.created_at)
        .chain(new_key.as_ref().map(|k| k.created_at))
        .filter(|at| *at > key.created_at)
        .min();
    let documents = ports
        .documents
        .sealed_by(kid, key.created_at, next.map(|n| n + RETIREMENT_GRACE))
        .await?;
    if !already {
        for doc in &documents {
            note(ports, doc, kid, by, now).await?;
        }
    }
    Ok(Compromised {
        new_key: new_key.map(|k| k.kid),
        documents,
    })
}

/// The note in the application's trail: chained like every entry, so it is kept for good.
async fn note(
    ports: &KeyOps<'_>,
    doc: &IssuedDocument,
    kid: &str,
    by: &str,
    at: time::OffsetDateTime,
) -> Result<(), Error> {
    retry_on_conflict(|| async {
        let Some(mut app) = ports.applications.get(doc.application_id).await? else {
            return Ok(());
        };
        let change = app.key_compromised(kid, by, at);
        app.version = ports.applications.update(&app, &[change]).await?;
        Ok(())
    })
    .await
}
