//! Lambda entry point: wires the scheduled sweep to the runtime, nothing more.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    guichet::telemetry::init("reconcile");
    let ctx = guichet::bootstrap::context().await?;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<EventBridgeEvent>| {
        let ctx = ctx.clone();
        async move {
            guichet_reconcile::handle(&ctx, event.payload)
                .await
                .map_err(|e| lambda_runtime::Error::from(e.to_string()))
        }
    }))
    .await
}
