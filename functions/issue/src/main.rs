//! Lambda entry point: wires the queue consumer to the runtime, nothing more.

use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    guichet::telemetry::init("issue");
    let ctx = guichet::bootstrap::context().await?;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let ctx = ctx.clone();
        async move {
            Ok::<_, std::convert::Infallible>(guichet_issue::handle(&ctx, event.payload).await)
        }
    }))
    .await
}
