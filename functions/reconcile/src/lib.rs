//! The reconcile step, run by an EventBridge schedule: re-drives approved applications that have
//! no document on its way, expires the ones left unpaid, and writes the audit checkpoint of the
//! trails that moved since the last run. A failed run is an error to Lambda (retried, and counted
//! by the errors alarm); the next scheduled run starts over anyway.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use guichet_core::Error;
use guichet_core::catalogue::Catalogue;
use guichet_core::ports::{ApplicationStore, CheckpointLog, Clock, EventBus, Outbox, Unanchored};
use guichet_core::settings::ReconcileSettings;
use guichet_core::usecases::audit::{self, Anchoring};
use guichet_core::usecases::reconcile::{self, ReconcileReport, Sweeping};
use std::sync::Arc;

/// What the reconcile function works with.
pub struct Reconcile {
    pub applications: Arc<dyn ApplicationStore>,
    pub outbox: Arc<dyn Outbox>,
    pub bus: Arc<dyn EventBus>,
    pub catalogue: Arc<Catalogue>,
    pub clock: Arc<dyn Clock>,
    pub settings: ReconcileSettings,
    /// The trails' ends waiting for a checkpoint, where checkpoints go, and the key they are
    /// signed with.
    pub unanchored: Arc<dyn Unanchored>,
    pub checkpoints: Arc<dyn CheckpointLog>,
    pub audit_key: secrecy::SecretString,
}

impl Reconcile {
    pub fn anchoring(&self) -> Anchoring<'_> {
        Anchoring {
            applications: self.applications.as_ref(),
            unanchored: self.unanchored.as_ref(),
            checkpoints: self.checkpoints.as_ref(),
            key: &self.audit_key,
            clock: self.clock.as_ref(),
        }
    }

    pub fn sweeping(&self) -> Sweeping<'_> {
        Sweeping {
            applications: self.applications.as_ref(),
            outbox: self.outbox.as_ref(),
            bus: self.bus.as_ref(),
            catalogue: &self.catalogue,
            settings: &self.settings,
        }
    }
}

pub async fn handle(f: &Reconcile, event: EventBridgeEvent) -> Result<ReconcileReport, Error> {
    let mut report = reconcile::reconcile(&f.sweeping(), f.clock.now()).await?;
    report.anchored = u32::try_from(audit::checkpoint(&f.anchoring()).await?).unwrap_or(u32::MAX);
    tracing::info!(
        event_id = %event.id.as_deref().unwrap_or_default(),
        forwarded = report.forwarded,
        redriven = report.redriven,
        expired = report.expired,
        anchored = report.anchored,
        "reconciled"
    );
    Ok(report)
}

#[cfg(test)]
mod tests;
