//! Building responses: JSON bodies and the headers every response carries.

use guichet_core::Error;
use http::response::Builder;
use lambda_http::{Body, Response};
use serde::Serialize;

/// Headers that cost nothing and close whole classes of attack on an API that serves no HTML.
/// The pages' policy (the front ends of `web/`): their own scripts, styles, workers and API
/// calls only, pictures the page makes itself (a photo being read), nothing from anyone else.
/// `guichet serve` sends it with every page; CloudFront's response headers policy sends the same
/// on AWS (infra/template.yaml, checked against this by a test).
pub const PAGES_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

pub fn with_common_headers(builder: Builder) -> Builder {
    builder
        .header("x-content-type-options", "nosniff")
        .header("cache-control", "no-store")
        .header("referrer-policy", "no-referrer")
        .header(
            "content-security-policy",
            "default-src 'none'; frame-ancestors 'none'",
        )
        .header(
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        )
}

pub fn json<T: Serialize>(status: u16, value: &T) -> Response<Body> {
    match serde_json::to_vec(value) {
        Ok(body) => with_common_headers(
            Response::builder()
                .status(status)
                .header("content-type", "application/json"),
        )
        .body(Body::Binary(body))
        .unwrap_or_else(|_| Response::new(Body::Empty)),
        Err(e) => error(&Error::Internal(format!("serialising a response: {e}"))),
    }
}

/// Public, cacheable JSON (keys, the OpenAPI document): same bytes for everyone.
pub fn public_json<T: Serialize>(value: &T, max_age_seconds: u32) -> Response<Body> {
    let mut response = json(200, value);
    if let Ok(v) = format!("public, max-age={max_age_seconds}").parse() {
        response.headers_mut().insert("cache-control", v);
    }
    response
}

/// Public text anyone may cache, such as the certificates a PDF reader is told to trust.
pub fn public_text(text: String, content_type: &str, max_age_seconds: u32) -> Response<Body> {
    with_common_headers(
        Response::builder()
            .status(200)
            .header("content-type", content_type)
            .header(
                "cache-control",
                format!("public, max-age={max_age_seconds}"),
            ),
    )
    .body(Body::Text(text))
    .unwrap_or_else(|_| Response::new(Body::Empty))
}

/// A stored file for the person allowed to read it, as a download.
pub fn file(bytes: Vec<u8>, filename: &str, content_type: &str) -> Response<Body> {
    with_common_headers(
        Response::builder()
            .status(200)
            .header("content-type", content_type)
            .header(
                "content-disposition",
                format!("attachment; filename=\"{filename}\""),
            ),
    )
    .body(Body::Binary(bytes))
    .unwrap_or_else(|_| Response::new(Body::Empty))
}

pub fn pdf(bytes: Vec<u8>, filename: &str) -> Response<Body> {
    file(bytes, filename, "application/pdf")
}

/// A page the API itself serves (the sandbox provider's), under the pages' policy rather than
/// the API's `default-src 'none'`, never cached.
pub fn page(status: u16, html: String) -> Response<Body> {
    let mut response = with_common_headers(
        Response::builder()
            .status(status)
            .header("content-type", "text/html; charset=utf-8"),
    )
    .body(Body::Text(html))
    .unwrap_or_else(|_| Response::new(Body::Empty));
    response.headers_mut().insert(
        "content-security-policy",
        http::HeaderValue::from_static(PAGES_CSP),
    );
    response
}

/// After a form's POST, where the browser goes next (with GET).
pub fn see_other(url: &str) -> Response<Body> {
    with_common_headers(Response::builder().status(303).header("location", url))
        .body(Body::Empty)
        .unwrap_or_else(|_| Response::new(Body::Empty))
}

/// A file kept elsewhere (a bucket's short-lived link): a redirect there, or the link as JSON
/// (`FileLink`) for a caller that accepts JSON and not the file itself (the pages).
pub fn file_link(req: &lambda_http::Request, url: &str) -> Response<Body> {
    let accept = crate::request::header(req, "accept").unwrap_or_default();
    let types: Vec<&str> = accept
        .split(',')
        .map(|t| t.split(';').next().unwrap_or_default().trim())
        .collect();
    let json_only = types.contains(&"application/json")
        && !types
            .iter()
            .any(|t| *t == "*/*" || *t == "application/pdf" || t.starts_with("image/"));
    if json_only {
        json(
            200,
            &crate::api::FileLink {
                url: url.to_owned(),
            },
        )
    } else {
        redirect(url)
    }
}

pub fn redirect(url: &str) -> Response<Body> {
    with_common_headers(Response::builder().status(302).header("location", url))
        .body(Body::Empty)
        .unwrap_or_else(|_| Response::new(Body::Empty))
}

/// Logs what the client must not see, and answers with the problem the client may see.
pub fn error(e: &Error) -> Response<Body> {
    if e.is_ours() {
        tracing::error!(error = %e, "request failed");
    } else {
        tracing::info!(problem = %e, "request refused");
    }
    crate::problem::response(e)
}

/// The edge of every HTTP handler: a result becomes a response, an error a problem.
pub fn respond(result: Result<Response<Body>, Error>) -> Response<Body> {
    result.unwrap_or_else(|e| error(&e))
}
