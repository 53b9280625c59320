//! Lambda entry point: wires the handler to its adapters on AWS and to the runtime, nothing more.
//! It reads no secret: seals are checked against the key set published in the table.

use guichet_core::catalogue::Catalogue;
use guichet_core::ports::SystemClock;
use guichet_http::{Edge, HttpSettings};
use guichet_seal::KeySource;
use guichet_verify::{Verify, handle};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    guichet_core::telemetry::init("verify");
    let aws = guichet_aws::Aws::from_env().await?;
    let http = HttpSettings::read(&aws.env)?;
    let store = aws.store();
    let keys = KeySource::stored(store.clone());
    keys.refresh().await;
    let function = Verify {
        edge: Arc::new(
            Edge::public(&http, Arc::new(SystemClock)).with_shared_counts(store.clone()),
        ),
        documents: store,
        keys: Arc::new(keys),
        catalogue: Arc::new(Catalogue::from_env(&aws.env)?),
    };
    lambda_http::run(lambda_http::service_fn(|req| async {
        Ok::<_, std::convert::Infallible>(handle(&function, req).await)
    }))
    .await
}
