//! Lambda entry point: wires the handler to its adapters on AWS and to the runtime, nothing more.
//! It reads the token secret alone; seals are checked against the published key set.

use guichet_core::catalogue::Catalogue;
use guichet_core::ports::SystemClock;
use guichet_http::{Edge, HttpSettings};
use guichet_review::{Review, handle};
use guichet_seal::KeySource;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    guichet_core::telemetry::init("review");
    let aws = guichet_aws::Aws::from_env().await?;
    let mut http = HttpSettings::read(&aws.env)?;
    http.fetch_keys().await;
    let token_secret = aws.token_secret(http.tokens.secret.as_ref()).await?;
    let store = aws.store();
    let seals = KeySource::stored(store.clone());
    seals.refresh().await;
    let function = Review {
        edge: Arc::new(
            Edge::new(&http, &token_secret, Arc::new(SystemClock))
                .with_shared_counts(store.clone())
                .with_revoked_tokens(store.clone()),
        ),
        applications: store.clone(),
        documents: store.clone(),
        feed: store,
        catalogue: Arc::new(Catalogue::from_env(&aws.env)?),
        seals: Arc::new(seals),
    };
    lambda_http::run(lambda_http::service_fn(|req| async {
        Ok::<_, std::convert::Infallible>(handle(&function, req).await)
    }))
    .await
}
