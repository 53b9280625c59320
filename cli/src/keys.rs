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
    Ok(keys::compromise(&ports, kid, by, guichet_seal::generate).await?)
}
