//! Lambda entry point: wires the queue consumer to its adapters on AWS and to the runtime,
//! nothing more.

use aws_lambda_events::sqs::SqsEvent;
use guichet_feed::{Feed, handle};
use guichet_seal::SealKeys;
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    guichet_core::telemetry::init("feed");
    let aws = guichet_aws::Aws::from_env().await?;
    let store = aws.store();
    let function = Feed {
        applications: store.clone(),
        documents: store.clone(),
        feed: store,
        sealer: Arc::new(SealKeys::from_stored(&aws.seal_keys().await?)?),
        dead_letters: Arc::new(aws.feed_dead_letters()),
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| async {
        Ok::<_, std::convert::Infallible>(handle(&function, event.payload).await)
    }))
    .await
}
