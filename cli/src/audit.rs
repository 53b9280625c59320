//! `guichet audit verify` and `guichet audit anchor` on the configured backend: the trails,
//! held to the checkpoints kept outside the store (docs/security.md, "Audit trail").

use crate::backend::{self, Backend};
use crate::settings::Settings;
use guichet_core::ports::SystemClock;
use guichet_core::usecases::audit::{self, Anchoring, Audit};

fn anchoring(b: &Backend) -> Anchoring<'_> {
    Anchoring {
        applications: b.applications.as_ref(),
        unanchored: b.unanchored.as_ref(),
        checkpoints: b.checkpoints.as_ref(),
        key: &b.audit_key,
        clock: &SystemClock,
    }
}

/// Checkpoints every trail, recording the end of those written before applications recorded
/// one; returns how many trails.
pub async fn anchor(b: &Backend) -> anyhow::Result<usize> {
    Ok(audit::anchor(&anchoring(b)).await?)
}

/// Checks every trail, and against every authentic checkpoint.
pub async fn verify(settings: &Settings) -> anyhow::Result<Audit> {
    let b = backend::open(settings).await?;
    Ok(audit::verify(
        b.applications.as_ref(),
        b.checkpoints.as_ref(),
        &b.audit_key,
    )
    .await?)
}
