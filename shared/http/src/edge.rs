//! What every HTTP function does around its routes: browser origins (CORS), who is calling,
//! and per-client limits. On AWS, API Gateway answers CORS itself (`CorsConfiguration` in the
//! template) and these headers are its; `guichet serve` has no gateway, so they are ours.

use super::auth::{Authenticator, TokenSettings};
use super::limits::{Limit, RateLimiter, RateLimits};
use super::request::header;
use super::response::{respond, with_common_headers};
use guichet_core::Error;
use guichet_core::domain::Principal;
use guichet_core::ports::Clock;
use guichet_core::settings::{Env, SettingError};
use http::{HeaderValue, Method};
use lambda_http::{Body, Request, RequestExt, Response, request::RequestContext};
use secrecy::SecretString;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;

/// What every HTTP function shares, built once per process: who is calling, how much they may
/// ask, which browsers may ask.
pub struct Edge {
    pub auth: Authenticator,
    pub limits: RateLimiter,
    pub cors_origins: Vec<String>,
    pub clock: Arc<dyn Clock>,
}

impl Edge {
    /// The edge these settings describe, checking tokens with `token_secret` when the settings
    /// name no secret of their own.
    pub fn new(
        settings: &HttpSettings,
        token_secret: &SecretString,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Edge {
            auth: Authenticator::new(&settings.tokens, token_secret),
            limits: RateLimiter::new(settings.rate_limits.clone()),
            cors_origins: settings.cors_origins.clone(),
            clock,
        }
    }
}

impl Edge {
    /// The edge of a function whose routes are all public (verify): it reads no token secret,
    /// and no token passes it (its checker's key is random, made here and never kept).
    pub fn public(settings: &HttpSettings, clock: Arc<dyn Clock>) -> Self {
        let mut tokens = settings.tokens.clone();
        tokens.secret = None;
        tokens.oidc = None;
        let nobody: SecretString = guichet_core::settings::random_secret()
            .unwrap_or_else(|_| SecretString::from(format!("{:?}", std::time::Instant::now())));
        Edge {
            auth: Authenticator::new(&tokens, &nobody),
            limits: RateLimiter::new(settings.rate_limits.clone()),
            cors_origins: settings.cors_origins.clone(),
            clock,
        }
    }

    /// Refuses the service's own tokens the store's deny list names (`guichet token revoke`).
    pub fn with_revoked_tokens(
        mut self,
        store: Arc<dyn guichet_core::ports::RevokedTokens>,
    ) -> Self {
        self.auth = self.auth.with_deny_list(super::auth::DenyList::new(store));
        self
    }

    /// Counts rate limits in `counters`, which every instance of the service sees (the table on
    /// AWS), instead of in this process's memory.
    pub fn with_shared_counts(
        mut self,
        counters: Arc<dyn guichet_core::ports::RateCounters>,
    ) -> Self {
        self.limits = self.limits.shared(counters);
        self
    }
}

/// The edge's settings.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub tokens: TokenSettings,
    /// Per-client limits: `GUICHET_SUBMIT_PER_HOUR` (10), `GUICHET_VERIFY_PER_MINUTE` (60),
    /// `GUICHET_FAILED_AUTH_PER_MINUTE` (10); each is also the burst.
    pub rate_limits: RateLimits,
    /// Web origins allowed to call the API from a browser (`GUICHET_CORS_ORIGINS`, comma
    /// separated, exact `scheme://host[:port]`); none by default.
    pub cors_origins: Vec<String>,
}

impl HttpSettings {
    /// Reads the identity provider's keys, when it has a JWKS URL, at cold start.
    pub async fn fetch_keys(&mut self) {
        if let Some(oidc) = &mut self.tokens.oidc {
            oidc.fetch_keys().await;
        }
    }

    pub fn read(env: &Env) -> Result<Self, SettingError> {
        Ok(HttpSettings {
            tokens: TokenSettings::read(env)?,
            rate_limits: RateLimits::read(env)?,
            cors_origins: origins(&env.get("GUICHET_CORS_ORIGINS").unwrap_or_default())?,
        })
    }
}

fn origins(list: &str) -> Result<Vec<String>, SettingError> {
    list.split(',')
        .map(|o| o.trim().trim_end_matches('/').to_owned())
        .filter(|o| !o.is_empty())
        .map(|o| {
            let host = o
                .strip_prefix("https://")
                .or_else(|| o.strip_prefix("http://"))
                .unwrap_or_default();
            if !host.is_empty() && !host.contains('/') {
                Ok(o)
            } else {
                Err(SettingError::Invalid {
                    name: "GUICHET_CORS_ORIGINS",
                    why: format!("{o:?} is not an origin (scheme://host[:port])"),
                })
            }
        })
        .collect()
}

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
pub async fn caller(edge: &Edge, req: &Request) -> Result<Principal, Error> {
    match edge.auth.authenticate(req, edge.clock.now()).await {
        Ok(who) => Ok(who),
        Err(Error::Unauthenticated) if header(req, "authorization").is_some() => {
            edge.limits
                .take(Limit::FailedAuth, &client_address(req))
                .await?;
            Err(Error::Unauthenticated)
        }
        Err(e) => Err(e),
    }
}

/// Runs a route with the edge around it: a preflight is answered here, and an allowed origin's
/// response carries the CORS headers.
pub async fn handle(
    edge: &Edge,
    req: &Request,
    route: impl Future<Output = Result<Response<Body>, Error>>,
) -> Response<Body> {
    let origin = header(req, "origin").filter(|o| edge.cors_origins.iter().any(|a| a == o));
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
        return respond(Err(Error::Refused(
            guichet_core::messages::Msg::OriginNotAllowed,
        )));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_origins_are_read_and_checked() {
        let read = |vars: &[(&str, &str)]| HttpSettings::read(&Env::vars(vars));
        let c = read(&[
            ("GUICHET_SUBMIT_PER_HOUR", "4"),
            (
                "GUICHET_CORS_ORIGINS",
                "https://guichet.ml, http://localhost:5173/",
            ),
        ])
        .unwrap();
        assert_eq!(c.rate_limits.submit.burst, 4);
        assert_eq!(
            c.cors_origins,
            ["https://guichet.ml", "http://localhost:5173"]
        );
        assert!(read(&[("GUICHET_CORS_ORIGINS", "*")]).is_err());
        assert!(read(&[("GUICHET_CORS_ORIGINS", "http://éa")]).is_ok());
        assert!(read(&[("GUICHET_CORS_ORIGINS", "http:///")]).is_err());
        assert!(read(&[("GUICHET_CORS_ORIGINS", "https://a.ml/path")]).is_err());
        assert!(read(&[("GUICHET_VERIFY_PER_MINUTE", "0")]).is_err());
        assert!(read(&[("GUICHET_JWT_SECRET", "short")]).is_err());
        let long = "token-secret-0123456789abcdefghijkl";
        let shown = format!("{:?}", read(&[("GUICHET_JWT_SECRET", long)]).unwrap());
        assert!(!shown.contains(long), "{shown}");
    }
}
