//! Lambda entry point: wires the queue consumer to its adapters on AWS and to the runtime,
//! nothing more.

use aws_lambda_events::sqs::SqsEvent;
use guichet_check::{Check, handle};
use guichet_core::catalogue::Catalogue;
use guichet_core::ports::SystemClock;
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    guichet_core::telemetry::init("check");
    let aws = guichet_aws::Aws::from_env().await?;
    let function = Check {
        applications: aws.store(),
        catalogue: Arc::new(Catalogue::from_env(&aws.env)?),
        uploads: aws.uploads()?,
        clock: Arc::new(SystemClock),
        dead_letters: Arc::new(aws.check_dead_letters()?),
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| async {
        Ok::<_, std::convert::Infallible>(handle(&function, event.payload).await)
    }))
    .await
}
