//! Lambda entry point: wires the queue consumer to its adapters on AWS and to the runtime,
//! nothing more.

use aws_lambda_events::sqs::SqsEvent;
use guichet_core::catalogue::Catalogue;
use guichet_core::ports::{DocumentRenderer as _, SystemClock};
use guichet_issue::{Issue, handle};
use guichet_pdf::PdfRenderer;
use guichet_seal::SealKeys;
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    guichet_core::telemetry::init("issue");
    let aws = guichet_aws::Aws::from_env().await?;
    let store = aws.store();
    let catalogue = Arc::new(Catalogue::from_env(&aws.env)?);
    let renderer = PdfRenderer::from_env(&aws.env)?;
    catalogue.check_templates(|t| renderer.has_template(t))?;
    let function = Issue {
        applications: store.clone(),
        documents: store,
        blobs: aws.documents(),
        catalogue,
        sealer: Arc::new(SealKeys::from_stored(&aws.seal_keys().await?)?),
        renderer: Arc::new(renderer),
        clock: Arc::new(SystemClock),
        dead_letters: Arc::new(aws.issue_dead_letters()),
        uploads: aws.uploads()?,
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| async {
        Ok::<_, std::convert::Infallible>(handle(&function, event.payload).await)
    }))
    .await
}
