//! `guichet keys compromise`: a seal key declared compromised on the configured backend, the
//! documents it sealed listed for issuing again (docs/security.md, "A compromised seal key").

use crate::backend;
use crate::settings::Settings;
use guichet_core::ports::SystemClock;
use guichet_core::usecases::keys::{self, Compromised, KeyOps};

/// Declares `kid` compromised by `by` in the key store the settings name, and notes it on every
/// application whose document it sealed.
pub async fn compromise(settings: &Settings, kid: &str, by: &str) -> anyhow::Result<Compromised> {
    let by = by.trim();
    anyhow::ensure!(
        !by.is_empty() && by.chars().count() <= 80,
        "--by names who declares it (1 to 80 characters): it is kept with the mark"
    );
    let store = backend::key_store(settings).await;
    let opened = backend::open(settings).await?;
    let ports = KeyOps {
        keys: store.as_ref(),
        documents: opened.documents.as_ref(),
        applications: opened.applications.as_ref(),
        clock: &SystemClock,
    };
    let done = keys::compromise(&ports, kid, by, guichet_seal::generate).await?;
    publish(settings).await?;
    Ok(done)
}

/// Publishes the public key set of the key store the settings name, where the functions that
/// hold no private key read it (the table on AWS, the SQLite file on one machine).
pub async fn publish(settings: &Settings) -> anyhow::Result<()> {
    let keys = backend::seal_keys(settings).await?;
    let set = guichet_seal::PublishedKeySet::of(&keys);
    backend::published_keys(settings)
        .await?
        .publish(set.document())
        .await?;
    Ok(())
}

/// `guichet keys rotate`: on AWS, first fills the secrets the template left empty (token,
/// payment, audit); then a new signing key; then the key set published. Says whether a key
/// signed before it (then retired).
pub async fn rotate(settings: &Settings) -> anyhow::Result<(String, bool)> {
    if let crate::settings::BackendChoice::Aws(resources) = &settings.backend {
        backend::aws(resources).await.fill_secrets().await?;
    }
    let store = backend::key_store(settings).await;
    let before = !store.load().await?.is_empty();
    let key = guichet_seal::generate(time::OffsetDateTime::now_utc())?;
    store.add(&key).await?;
    publish(settings).await?;
    Ok((key.kid, before))
}
