//! Lambda entry point: wires the stream consumer to its adapters on AWS and to the runtime,
//! nothing more.

use aws_lambda_events::dynamodb::Event;
use guichet_forward::{Forward, handle};
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    guichet_core::telemetry::init("forward");
    let aws = guichet_aws::Aws::from_env().await?;
    let function = Forward {
        outbox: aws.store(),
        bus: Arc::new(aws.events()),
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<Event>| async {
        Ok::<_, std::convert::Infallible>(handle(&function, event.payload).await)
    }))
    .await
}
