//! Lambda entry point: wires the scheduled sweep to its adapters on AWS and to the runtime,
//! nothing more.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use guichet_core::catalogue::Catalogue;
use guichet_core::ports::SystemClock;
use guichet_core::settings::ReconcileSettings;
use guichet_reconcile::{Reconcile, handle};
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    guichet_core::telemetry::init("reconcile");
    let aws = guichet_aws::Aws::from_env().await?;
    let store = aws.store();
    let audit_key = aws
        .audit_secret(
            guichet_core::settings::Env::process()
                .secret("GUICHET_AUDIT_SECRET", 32)?
                .as_ref(),
        )
        .await?;
    let function = Reconcile {
        applications: store.clone(),
        unanchored: store.clone(),
        checkpoints: Arc::new(aws.checkpoints()),
        audit_key,
        outbox: store,
        bus: Arc::new(aws.events()),
        catalogue: Arc::new(Catalogue::from_env(&aws.env)?),
        clock: Arc::new(SystemClock),
        settings: ReconcileSettings::read(&aws.env)?,
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<EventBridgeEvent>| async {
        handle(&function, event.payload)
            .await
            .map_err(|e| lambda_runtime::Error::from(e.to_string()))
    }))
    .await
}
