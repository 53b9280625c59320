//! Lambda entry point: wires the handler to its adapters on AWS and to the runtime, nothing more.

use guichet_core::catalogue::Catalogue;
use guichet_core::ports::SystemClock;
use guichet_http::{Edge, HttpSettings};
use guichet_seal::SealKeys;
use guichet_verify::{Verify, handle};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    guichet_core::telemetry::init("verify");
    let aws = guichet_aws::Aws::from_env().await?;
    let mut http = HttpSettings::read(&aws.env)?;
    http.fetch_keys().await;
    let secrets = aws.secrets().await?;
    let store = aws.store();
    let function = Verify {
        edge: Arc::new(
            Edge::new(
                &http,
                &secrets.token(http.tokens.secret.as_ref())?,
                Arc::new(SystemClock),
            )
            .with_shared_counts(store.clone()),
        ),
        documents: store,
        keys: Arc::new(SealKeys::from_stored(secrets.seal_keys()?)?),
        catalogue: Arc::new(Catalogue::from_env(&aws.env)?),
    };
    lambda_http::run(lambda_http::service_fn(|req| async {
        Ok::<_, std::convert::Infallible>(handle(&function, req).await)
    }))
    .await
}
