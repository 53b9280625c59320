//! Lambda entry point: wires the handler to its adapters on AWS and to the runtime, nothing more.

use guichet_core::catalogue::Catalogue;
use guichet_core::ports::SystemClock;
use guichet_http::{Edge, HttpSettings};
use guichet_submit::{Submit, handle};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    guichet_core::telemetry::init("submit");
    let aws = guichet_aws::Aws::from_env().await?;
    let mut http = HttpSettings::read(&aws.env)?;
    http.fetch_keys().await;
    let token_secret = aws.token_secret(http.tokens.secret.as_ref()).await?;
    let store = aws.store();
    let function = Submit {
        edge: Arc::new(
            Edge::new(&http, &token_secret, Arc::new(SystemClock))
                .with_shared_counts(store.clone())
                .with_revoked_tokens(store.clone()),
        ),
        applications: store.clone(),
        documents: store,
        blobs: aws.documents(),
        catalogue: Arc::new(Catalogue::from_env(&aws.env)?),
        uploads: aws.uploads()?,
        upload_ttl: guichet_core::usecases::attachments::upload_ttl(&aws.env)?,
    };
    lambda_http::run(lambda_http::service_fn(|req| async {
        Ok::<_, std::convert::Infallible>(handle(&function, req).await)
    }))
    .await
}
