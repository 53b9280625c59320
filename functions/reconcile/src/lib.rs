//! The reconcile step, run by an EventBridge schedule: re-drives approved applications that have
//! no document on its way and expires the ones left unpaid. A failed run is an error to Lambda
//! (retried, and counted by the errors alarm); the next scheduled run starts over anyway.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use guichet_core::Error;
use guichet_core::catalogue::Catalogue;
use guichet_core::ports::{ApplicationStore, Clock, EventBus, Outbox};
use guichet_core::settings::ReconcileSettings;
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
}

impl Reconcile {
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
    let report = reconcile::reconcile(&f.sweeping(), f.clock.now()).await?;
    tracing::info!(
        event_id = %event.id.as_deref().unwrap_or_default(),
        forwarded = report.forwarded,
        redriven = report.redriven,
        expired = report.expired,
        "reconciled"
    );
    Ok(report)
}

#[cfg(test)]
mod tests;
