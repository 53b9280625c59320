//! What every HTTP function does around its routes: browser origins (CORS), who is calling,
//! and per-client limits. On AWS, API Gateway answers CORS itself (`CorsConfiguration` in the
//! template) and these headers are its; `guichet serve` has no gateway, so they are ours.

use super::limits::Limit;
use super::request::header;
use super::response::{respond, with_common_headers};
use crate::context::Context;
use crate::error::Error;
use crate::http::auth::Principal;
use http::{HeaderValue, Method};
use lambda_http::{Body, Request, RequestExt, Response, request::RequestContext};
use std::future::Future;
use std::net::IpAddr;

/// The peer address of a request that did not come through API Gateway (`guichet serve` puts it
/// in the request's extensions).
#[derive(Debug, Clone, Copy)]
pub struct PeerAddr(pub IpAddr);

/// Who is at the other end, as far as the platform can tell: the source address API Gateway
/// saw, or the connection's peer. Never a header the client could set.
pub fn client_address(req: &Request) -> String {
    if let Some(PeerAddr(ip)) = req.extensions().get::<PeerAddr>() {
        return ip.to_string();
    }
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(c)) => c.http.source_ip.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

/// The caller's token, checked. A valid token is never slowed by someone else's failures (many
/// citizens share one address behind a mobile carrier's NAT); refused tokens past the budget of
/// their address get 429 instead of 401.
pub fn caller(ctx: &Context, req: &Request) -> Result<Principal, Error> {
    match ctx.auth.authenticate(req) {
        Ok(who) => Ok(who),
        Err(Error::Unauthenticated) if header(req, "authorization").is_some() => {
            ctx.limits.take(Limit::FailedAuth, &client_address(req))?;
            Err(Error::Unauthenticated)
        }
        Err(e) => Err(e),
    }
}

/// Runs a route with the edge around it: a preflight is answered here, and an allowed origin's
/// response carries the CORS headers.
pub async fn handle(
    ctx: &Context,
    req: &Request,
    route: impl Future<Output = Result<Response<Body>, Error>>,
) -> Response<Body> {
    let origin = header(req, "origin").filter(|o| ctx.config.cors_origins.iter().any(|a| a == o));
    if req.method() == Method::OPTIONS {
        return preflight(origin);
    }
    let mut response = respond(route.await);
    if let Some(origin) = origin.and_then(|o| HeaderValue::from_str(o).ok()) {
        let h = response.headers_mut();
        h.insert("access-control-allow-origin", origin);
        h.insert(
            "access-control-expose-headers",
            HeaderValue::from_static("location, retry-after, x-request-id"),
        );
        h.append("vary", HeaderValue::from_static("origin"));
    }
    response
}

/// A browser asking before a cross-origin call: allowed origins learn what they may send; any
/// other gets 403 and no CORS header, so the browser stops there.
fn preflight(origin: Option<&str>) -> Response<Body> {
    let Some(origin) = origin.and_then(|o| HeaderValue::from_str(o).ok()) else {
        return respond(Err(Error::Forbidden));
    };
    with_common_headers(
        Response::builder()
            .status(204)
            .header("access-control-allow-origin", origin)
            .header("access-control-allow-methods", "GET, POST")
            .header(
                "access-control-allow-headers",
                "authorization, content-type, idempotency-key",
            )
            .header("access-control-max-age", "600")
            .header("vary", "origin"),
    )
    .body(Body::Empty)
    .unwrap_or_else(|_| Response::new(Body::Empty))
}
