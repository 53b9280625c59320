//! The payment webhook: `POST /v1/payments/webhook/{provider}`.

use guichet_core::Error;
use guichet_core::ports::{ApplicationStore, Delivery, PaymentLedger};
use guichet_core::usecases::payment;
use guichet_http::api::PaymentAck;
use guichet_http::request::{JSON_LIMIT, body_bytes};
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
}

pub async fn handle(f: &Payment, req: Request) -> Response<Body> {
    edge::handle(&f.edge, &req, route(f, &req)).await
}

async fn route(f: &Payment, req: &Request) -> Result<Response<Body>, Error> {
    let Route::PaymentWebhook { provider } = Route::recognize(req.method(), req.uri().path())?
    else {
        return Err(Error::NotFound);
    };
    let gateway = f.gateways.get(&provider)?;
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
    let notice = gateway.read(
        &Delivery {
            headers: &headers,
            body,
        },
        clock.now(),
    )?;
    let receipt =
        payment::receive(f.applications.as_ref(), f.ledger.as_ref(), clock, &notice).await?;
    // 200 whatever the outcome: the notice is recorded, and the provider must stop retrying.
    Ok(json(200, &PaymentAck::of(receipt)))
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
