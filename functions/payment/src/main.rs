//! Lambda entry point: wires the handler to its adapters on AWS and to the runtime, nothing more.

use guichet_core::catalogue::Catalogue;
use guichet_core::ports::SystemClock;
use guichet_http::{Edge, HttpSettings};
use guichet_payment::{Payment, handle};
use guichet_payments::{Gateways, PaymentSettings};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    guichet_core::telemetry::init("payment");
    let aws = guichet_aws::Aws::from_env().await?;
    let mut http = HttpSettings::read(&aws.env)?;
    http.fetch_keys().await;
    let payments = PaymentSettings::read(&aws.env)?;
    let store = aws.store();
    let function = Payment {
        edge: Arc::new(
            Edge::new(
                &http,
                &aws.token_secret(http.tokens.secret.as_ref()).await?,
                Arc::new(SystemClock),
            )
            .with_shared_counts(store.clone())
            .with_revoked_tokens(store.clone()),
        ),
        gateways: Gateways::new(
            &payments,
            &aws.payment_secret(payments.secret.as_ref()).await?,
        ),
        applications: store.clone(),
        ledger: store,
        catalogue: Arc::new(Catalogue::from_env(&aws.env)?),
        public_url: payments.public_url.clone().unwrap_or_default(),
        portal_url: payments
            .portal_url
            .clone()
            .or_else(|| payments.public_url.clone())
            .unwrap_or_default(),
    };
    lambda_http::run(lambda_http::service_fn(|req| async {
        Ok::<_, std::convert::Infallible>(handle(&function, req).await)
    }))
    .await
}
