//! The development sign-in of `guichet serve`: a token for any role and office, so the portal
//! and the console work on one machine without an identity provider. It exists only outside
//! production, on a loopback address, with no identity provider (`serve::development_sign_in`);
//! and it answers only who holds the key `guichet serve` printed at start (as Jupyter's token),
//! in a request addressed to this machine by name: a reverse proxy on the same machine
//! forwarding the world to it, or a page of another site rebinding its name to 127.0.0.1 (DNS
//! rebinding), gets nothing. On AWS people sign in with the identity provider
//! (docs/security.md).

use crate::serve::{Functions, to_axum};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::response::Response;
use guichet_core::Error;
use guichet_core::domain::Role;
use guichet_core::messages::Msg;
use guichet_http::limits::Limit;
use guichet_http::response::{error, json};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;

/// How long a development token lasts: a working day.
const TTL: time::Duration = time::Duration::hours(8);

/// What the development sign-in works with: the functions (their edge mints and limits) and
/// the key printed at start.
#[derive(Clone)]
pub struct DevSignIn {
    pub functions: Arc<Functions>,
    pub key: Arc<SecretString>,
}

/// A new key for one run of `guichet serve`: 128 bits, in characters a person copies.
pub fn new_key() -> anyhow::Result<SecretString> {
    Ok(guichet_core::settings::random_secret()?
        .expose_secret()
        .chars()
        .take(32)
        .collect::<String>()
        .into())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    role: String,
    sub: String,
    #[serde(default)]
    office: Option<String>,
    #[serde(default)]
    name: Option<String>,
    /// The key `guichet serve` printed at start.
    #[serde(default)]
    key: Option<String>,
}

/// Whether the request names this machine: `127.0.0.1`, `localhost` or `[::1]`, any port.
fn addressed_here(headers: &http::HeaderMap) -> bool {
    let Some(host) = headers.get("host").and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().map(|h| format!("[{h}]")),
        None => host.split(':').next().map(str::to_owned),
    };
    matches!(
        name.as_deref().map(str::to_ascii_lowercase).as_deref(),
        Some("127.0.0.1" | "localhost" | "[::1]")
    )
}

/// `GET /dev/sign-in`: that it exists here, and the roles it signs in as.
pub async fn roles(headers: http::HeaderMap) -> Response {
    if !addressed_here(&headers) {
        return to_axum(error(&Error::Refused(Msg::DevSignInHost)));
    }
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    to_axum(json(200, &serde_json::json!({ "roles": roles })))
}

/// `POST /dev/sign-in {role, sub, office?, name?, key}` → `{token}`. A wrong key counts against
/// the address, as a refused token does.
pub async fn sign_in(
    State(dev): State<DevSignIn>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: http::HeaderMap,
    body: Bytes,
) -> Response {
    let edge = &dev.functions.submit.edge;
    let answer = async {
        if !addressed_here(&headers) {
            return Err(Error::Refused(Msg::DevSignInHost));
        }
        let s =
            serde_json::from_slice::<SignIn>(&body).map_err(|e| Error::Malformed(e.to_string()))?;
        let given = s.key.as_deref().unwrap_or_default().trim().as_bytes();
        let key = dev.key.expose_secret().as_bytes();
        if !bool::from(subtle::ConstantTimeEq::ct_eq(given, key)) {
            edge.limits
                .take(Limit::FailedAuth, &peer.ip().to_string())
                .await?;
            return Err(Error::Refused(Msg::DevSignInKey));
        }
        let office = s.office.as_deref().map(str::trim).filter(|o| !o.is_empty());
        let name = s.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
        crate::token::mint(
            &edge.auth,
            &s.role,
            office,
            s.sub.trim(),
            name,
            TTL,
            edge.clock.now(),
        )
        .map(|minted| minted.token)
        .map_err(|e| Error::Malformed(e.to_string()))
    };
    to_axum(match answer.await {
        Ok(token) => json(200, &serde_json::json!({ "token": token })),
        Err(e) => error(&e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_machines_names_are_here() {
        let with = |host: &str| {
            let mut h = http::HeaderMap::new();
            h.insert("host", host.parse().unwrap());
            addressed_here(&h)
        };
        for here in [
            "127.0.0.1:8080",
            "localhost",
            "LOCALHOST:80",
            "[::1]:8080",
            "[::1]",
        ] {
            assert!(with(here), "{here}");
        }
        for elsewhere in [
            "guichet.ml",
            "127.0.0.1.evil.example",
            "localhost.evil.example:8080",
            "10.0.0.5:8080",
            "[::2]:8080",
        ] {
            assert!(!with(elsewhere), "{elsewhere}");
        }
        assert!(!addressed_here(&http::HeaderMap::new()));
    }
}
