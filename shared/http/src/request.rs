//! Reading requests: bounded, strictly typed JSON bodies, query strings, headers.

use guichet_core::Error;
use guichet_core::json::parse_json;
use guichet_core::usecases::idempotency::Idempotency;
use lambda_http::{Body, Request};
use serde::de::DeserializeOwned;

/// The largest JSON body any route accepts.
pub const JSON_LIMIT: usize = 64 * 1024;

pub fn body_bytes(req: &Request) -> &[u8] {
    match req.body() {
        Body::Empty => &[],
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    }
}

pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

pub fn content_type(req: &Request) -> Option<String> {
    header(req, "content-type").map(|ct| {
        ct.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    })
}

/// Parses a JSON body: 415 when it is not JSON, 413 over the limit, 400 when it does not parse,
/// 422 naming the field when a value has the wrong type or a field is unknown.
pub fn json_body<T: DeserializeOwned>(req: &Request, limit: usize) -> Result<T, Error> {
    let bytes = body_bytes(req);
    if bytes.len() > limit {
        return Err(Error::TooLarge { limit });
    }
    match content_type(req).as_deref() {
        Some("application/json") | None => {}
        Some(_) => {
            return Err(Error::UnsupportedMediaType {
                accepted: &["application/json"],
            });
        }
    }
    parse_json(bytes)
}

/// The request's `Idempotency-Key`, with the body it protects.
pub fn idempotency(req: &Request) -> Option<Idempotency<'_>> {
    header(req, "idempotency-key").map(|key| Idempotency {
        key,
        body: body_bytes(req),
    })
}

/// The `Idempotency-Key` a creating request must carry (`routes::Op::creates`): without it the
/// request is refused (428) before anything is made, so a repeat never makes a second one.
pub fn required_idempotency(req: &Request) -> Result<Idempotency<'_>, Error> {
    idempotency(req).ok_or(Error::IdempotencyKeyRequired)
}

/// The first value of a query parameter, decoded.
pub fn query_param(req: &Request, name: &str) -> Option<String> {
    let query = req.uri().query()?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
