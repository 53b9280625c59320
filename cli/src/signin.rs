//! The development sign-in of `guichet serve`: a token for any role and office, so the portal
//! and the console work on one machine without an identity provider. It exists only outside
//! production; on AWS people sign in with the identity provider (docs/security.md).

use crate::serve::{Functions, to_axum};
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use guichet_core::Error;
use guichet_core::domain::Role;
use guichet_http::response::{error, json};
use serde::Deserialize;
use std::sync::Arc;

/// How long a development token lasts: a working day.
const TTL: time::Duration = time::Duration::hours(8);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    role: String,
    sub: String,
    #[serde(default)]
    office: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

/// `GET /dev/sign-in`: that it exists here, and the roles it signs in as.
pub async fn roles() -> Response {
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    to_axum(json(200, &serde_json::json!({ "roles": roles })))
}

/// `POST /dev/sign-in {role, sub, office?, name?}` → `{token}`.
pub async fn sign_in(State(f): State<Arc<Functions>>, body: Bytes) -> Response {
    let answer = serde_json::from_slice::<SignIn>(&body)
        .map_err(|e| Error::Malformed(e.to_string()))
        .and_then(|s| {
            let office = s.office.as_deref().map(str::trim).filter(|o| !o.is_empty());
            let name = s.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
            let edge = &f.submit.edge;
            crate::token::mint(
                &edge.auth,
                &s.role,
                office,
                s.sub.trim(),
                name,
                TTL,
                edge.clock.now(),
            )
            .map_err(|e| Error::Malformed(e.to_string()))
        });
    to_axum(match answer {
        Ok(token) => json(200, &serde_json::json!({ "token": token })),
        Err(e) => error(&e),
    })
}
