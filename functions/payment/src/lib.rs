//! The payment webhook: `POST /v1/payments/webhook/{provider}`.

use guichet::api::PaymentAck;
use guichet::http::request::{JSON_LIMIT, body_bytes};
use guichet::http::response::json;
use guichet::http::routes::Route;
use guichet::http::{Body, Request, Response};
use guichet::payments::Delivery;
use guichet::usecases::payment;
use guichet::{Context, Error};

pub async fn handle(ctx: &Context, req: Request) -> Response<Body> {
    guichet::http::edge::handle(ctx, &req, route(ctx, &req)).await
}

async fn route(ctx: &Context, req: &Request) -> Result<Response<Body>, Error> {
    let Route::PaymentWebhook { provider } = Route::recognize(req.method(), req.uri().path())?
    else {
        return Err(Error::NotFound);
    };
    let gateway = ctx.payment_gateways.get(&provider)?;
    let body = body_bytes(req);
    if body.len() > JSON_LIMIT {
        return Err(Error::TooLarge { limit: JSON_LIMIT });
    }
    let notice = gateway.read(
        &Delivery {
            headers: req.headers(),
            body,
        },
        ctx.clock.now(),
    )?;
    let outcome = payment::receive(ctx, &notice).await?;
    // 200 whatever the outcome: the notice is recorded, and the provider must stop retrying.
    Ok(json(
        200,
        &PaymentAck {
            received: true,
            outcome: outcome.as_str().into(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use guichet::domain::Provider;

    #[tokio::test]
    async fn an_api_gateway_event_with_a_bad_signature_is_401_and_records_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = guichet::local::open(guichet::config::Config::development(dir.path()))
            .unwrap()
            .context;
        let req = lambda_http::request::from_str(include_str!(
            "../../../events/payment-webhook-bad-signature.json"
        ))
        .unwrap();
        assert_eq!(handle(&ctx, req).await.status(), 401);
        assert!(
            ctx.payments
                .payment(Provider::Sandbox, "om-1")
                .await
                .unwrap()
                .is_none()
        );
    }
}
