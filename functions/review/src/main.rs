//! Lambda entry point: wires the handler to its adapters on AWS and to the runtime, nothing more.

use guichet_core::catalogue::Catalogue;
use guichet_core::ports::SystemClock;
use guichet_http::{Edge, HttpSettings};
use guichet_review::{Review, handle};
use guichet_seal::SealKeys;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    guichet_core::telemetry::init("review");
    let aws = guichet_aws::Aws::from_env().await?;
    let mut http = HttpSettings::read(&aws.env)?;
    http.fetch_keys().await;
    let secrets = aws.secrets().await?;
    let token_secret = secrets.token(http.tokens.secret.as_ref())?;
    let store = aws.store();
    let function = Review {
        edge: Arc::new(
            Edge::new(&http, &token_secret, Arc::new(SystemClock))
                .with_shared_counts(store.clone()),
        ),
        applications: store.clone(),
        documents: store.clone(),
        feed: store,
        catalogue: Arc::new(Catalogue::from_env(&aws.env)?),
        seals: Arc::new(SealKeys::from_stored(secrets.seal_keys()?)?),
    };
    lambda_http::run(lambda_http::service_fn(|req| async {
        Ok::<_, std::convert::Infallible>(handle(&function, req).await)
    }))
    .await
}
