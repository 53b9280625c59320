//! Payments: the providers' webhooks (`POST /v1/payments/webhook/{provider}`), starting a payment
//! on a provider's page (`POST /v1/applications/{id}/payment`), and, outside production, the
//! sandbox provider's own page (`/v1/payments/sandbox/checkout/{reference}`).

mod sandbox;

use guichet_core::Error;
use guichet_core::catalogue::Catalogue;
use guichet_core::ports::{ApplicationStore, Delivery, PaymentLedger};
use guichet_core::usecases::payment::{self, PaymentAddresses};
use guichet_http::api::{CheckoutView, PaymentAck, PaymentProviders, StartPaymentRequest};
use guichet_http::request::{JSON_LIMIT, body_bytes, header, json_body, required_idempotency};
use guichet_http::response::json;
use guichet_http::routes::Route;
use guichet_http::{Body, Edge, Request, Response, edge};
use guichet_payments::Gateways;
use std::sync::Arc;

/// What the payment function works with.
pub struct Payment {
    pub edge: Arc<Edge>,
    pub gateways: Gateways,
    pub applications: Arc<dyn ApplicationStore>,
    pub ledger: Arc<dyn PaymentLedger>,
    /// The title a provider's page shows for a kind.
    pub catalogue: Arc<Catalogue>,
    /// This service's public address: providers notify it, the sandbox's page is there.
    pub public_url: String,
    /// The portal, where a citizen comes back after paying.
    pub portal_url: String,
}

pub async fn handle(f: &Payment, req: Request) -> Response<Body> {
    edge::handle(&f.edge, &req, route(f, &req)).await
}

async fn route(f: &Payment, req: &Request) -> Result<Response<Body>, Error> {
    match Route::recognize(req.method(), req.uri().path())? {
        Route::PaymentWebhook { provider } => webhook(f, req, &provider).await,
        Route::StartPayment { id } => start(f, req, &id).await,
        Route::PaymentProviders => Ok(json(
            200,
            &PaymentProviders {
                providers: f
                    .gateways
                    .offered()
                    .map(|p| p.as_str().to_owned())
                    .collect(),
            },
        )),
        Route::SandboxCheckout { reference } => sandbox::page(f, &reference).await,
        Route::SandboxPay { reference } => sandbox::pay(f, req, &reference).await,
        _ => Err(Error::NotFound),
    }
}

async fn webhook(f: &Payment, req: &Request, provider: &str) -> Result<Response<Body>, Error> {
    let gateway = f.gateways.get(provider)?;
    let body = body_bytes(req);
    if body.len() > JSON_LIMIT {
        return Err(Error::TooLarge { limit: JSON_LIMIT });
    }
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .filter_map(|(name, value)| {
            Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect();
    let clock = f.edge.clock.as_ref();
    let mut notice = gateway.read(
        &Delivery {
            headers: &headers,
            body,
        },
        clock.now(),
    )?;
    // A transaction on record is answered from the record; a new one is first confirmed with the
    // provider where it can be (CinetPay's check), else left for the provider to send again.
    if f.ledger
        .payment(notice.provider, notice.provider_txn.trim())
        .await?
        .is_none()
    {
        notice = gateway.confirm(notice).await?;
    }
    let receipt =
        payment::receive(f.applications.as_ref(), f.ledger.as_ref(), clock, &notice).await?;
    // 200 whatever the outcome: the notice is recorded, and the provider must stop retrying.
    Ok(json(200, &PaymentAck::of(receipt)))
}

async fn start(f: &Payment, req: &Request, id: &str) -> Result<Response<Body>, Error> {
    let who = edge::caller(&f.edge, req).await?;
    let key = required_idempotency(req)?;
    let body: StartPaymentRequest = json_body(req, JSON_LIMIT)?;
    let checkout = f.gateways.checkout(body.provider.trim())?;
    // The provider's page in English for who reads the portal in English; French otherwise.
    let lang = match header(req, "accept-language") {
        Some(l) if l.trim_start().to_ascii_lowercase().starts_with("en") => "en",
        _ => "fr",
    };
    let ports = payment::Starting {
        applications: f.applications.as_ref(),
        catalogue: &f.catalogue,
        clock: f.edge.clock.as_ref(),
        addresses: PaymentAddresses {
            api: &f.public_url,
            portal: &f.portal_url,
        },
    };
    let (app, checkout_url) = payment::start(&ports, &who, id, checkout, lang, key).await?;
    Ok(json(
        200,
        &CheckoutView {
            checkout_url,
            provider: checkout.provider().as_str().to_owned(),
            payment_reference: app.payment_reference.to_string(),
            amount: app.fee.into(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use guichet_core::domain::Provider;
    use guichet_core::ports::SystemClock;
    use guichet_core::settings::Env;
    use guichet_http::HttpSettings;
    use guichet_local::{Local, LocalSettings};
    use guichet_payments::PaymentSettings;

    #[tokio::test]
    async fn an_api_gateway_event_with_a_bad_signature_is_401_and_records_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let local = Local::open(&LocalSettings::in_dir(dir.path())).unwrap();
        let secret = "w".repeat(32).into();
        let f = Payment {
            edge: Arc::new(Edge::new(
                &HttpSettings::read(&Env::empty()).unwrap(),
                &secret,
                Arc::new(SystemClock),
            )),
            gateways: Gateways::new(&PaymentSettings::read(&Env::empty()).unwrap(), &secret),
            applications: local.store.clone(),
            ledger: local.store.clone(),
            catalogue: Arc::new(Catalogue::default_catalogue()),
            public_url: "https://api.guichet.ml".into(),
            portal_url: "https://guichet.ml".into(),
        };
        let req = lambda_http::request::from_str(include_str!(
            "../../../events/payment-webhook-bad-signature.json"
        ))
        .unwrap();
        assert_eq!(handle(&f, req).await.status(), 401);
        assert!(
            local
                .store
                .payment(Provider::Sandbox, "om-1")
                .await
                .unwrap()
                .is_none()
        );
    }
}
