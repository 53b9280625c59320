//! Public verification: `GET /v1/verify/{number}`, `POST /v1/verify` (seal text or the PDF),
//! `GET /v1/keys`, and the contract itself at `GET /v1/openapi.json`.

use guichet::api::{SealRequest, VerifyResult};
use guichet::http::edge;
use guichet::http::limits::Limit;
use guichet::http::request::{JSON_LIMIT, body_bytes, content_type, json_body};
use guichet::http::response::{json, public_json};
use guichet::http::routes::Route;
use guichet::http::{Body, Request, Response};
use guichet::usecases::verify;
use guichet::{Context, Error};

/// An issued PDF is about 25 KB; a scan-and-resave is larger. Refuse what no document is.
pub const PDF_LIMIT: usize = 2 * 1024 * 1024;

pub async fn handle(ctx: &Context, req: Request) -> Response<Body> {
    guichet::http::edge::handle(ctx, &req, route(ctx, &req)).await
}

async fn route(ctx: &Context, req: &Request) -> Result<Response<Body>, Error> {
    let route = Route::recognize(req.method(), req.uri().path())?;
    if matches!(route, Route::VerifyNumber { .. } | Route::VerifyPost) {
        ctx.limits.take(Limit::Verify, &edge::client_address(req))?;
    }
    match route {
        Route::VerifyNumber { number } => Ok(json(
            200,
            &VerifyResult::from(&verify::by_number(ctx, &number).await?),
        )),
        Route::VerifyPost if content_type(req).as_deref() == Some("application/pdf") => {
            let bytes = body_bytes(req);
            if bytes.len() > PDF_LIMIT {
                return Err(Error::TooLarge { limit: PDF_LIMIT });
            }
            Ok(json(
                200,
                &VerifyResult::from(&verify::by_pdf(ctx, bytes).await?),
            ))
        }
        Route::VerifyPost => {
            let body: SealRequest = json_body(req, JSON_LIMIT)?;
            Ok(json(
                200,
                &VerifyResult::from(&verify::by_seal(ctx, &body.seal).await?),
            ))
        }
        Route::Keys => Ok(public_json(&ctx.seal_keys.jwks(), 300)),
        Route::OpenApi => Ok(public_json(&guichet::openapi::document(), 300)),
        _ => Err(Error::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(dir: &tempfile::TempDir) -> std::sync::Arc<Context> {
        guichet::local::open(guichet::config::Config::development(dir.path()))
            .unwrap()
            .context
    }

    fn body(resp: &Response<Body>) -> serde_json::Value {
        serde_json::from_slice(resp.body().as_ref()).unwrap()
    }

    #[tokio::test]
    async fn serves_the_keys_from_an_api_gateway_event() {
        let dir = tempfile::tempdir().unwrap();
        let req = lambda_http::request::from_str(include_str!("../../../events/verify-keys.json"))
            .unwrap();
        let resp = handle(&context(&dir), req).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(body(&resp)["keys"][0]["crv"], "Ed25519");
    }

    #[tokio::test]
    async fn a_mistyped_number_is_refused_before_any_lookup() {
        let dir = tempfile::tempdir().unwrap();
        let req =
            lambda_http::request::from_str(include_str!("../../../events/verify-number-typo.json"))
                .unwrap();
        let resp = handle(&context(&dir), req).await;
        assert_eq!(resp.status(), 422);
        assert_eq!(body(&resp)["errors"][0]["field"], "number");
    }
}
