//! Lambda entry point: wires the queue consumer to its adapters on AWS and to the runtime,
//! nothing more.

use aws_lambda_events::sqs::SqsEvent;
use guichet_core::catalogue::Catalogue;
use guichet_core::ports::SystemClock;
use guichet_notify::{Notify, NotifySettings, handle};
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    guichet_core::telemetry::init("notify");
    let aws = guichet_aws::Aws::from_env().await?;
    let settings = NotifySettings::read(&aws.env)?;
    let store = aws.store();
    let function = Notify {
        applications: store.clone(),
        catalogue: Arc::new(Catalogue::from_env(&aws.env)?),
        notifier: Arc::new(aws.notifier(&settings.mail_from)),
        sent: store,
        clock: Arc::new(SystemClock),
        dead_letters: Arc::new(aws.notify_dead_letters()),
        settings,
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| async {
        Ok::<_, std::convert::Infallible>(handle(&function, event.payload).await)
    }))
    .await
}
