//! The OpenAPI 3.1 document of the v1 contract, generated from the request and response types
//! the handlers use. Each operation below mirrors one arm of `http::routes::Route`; a test checks
//! that the two lists agree.

#![allow(dead_code)] // the functions below exist only to carry their `#[utoipa::path]`.

use crate::api::*;
use crate::domain::{ApplicantInput, ConvictionInput, ExtractRecordInput};
use crate::http::problem::{Problem, ProblemField};
use crate::usecases::payment::PaymentNotice;
use crate::usecases::review::DecisionRequest;
use crate::usecases::submit::{ResubmitRequest, SubmitRequest};
use utoipa::OpenApi;

#[utoipa::path(post, path = "/v1/applications", tag = "applications", request_body = SubmitRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Same key and body → same answer, for 24 h")),
    responses((status = 201, body = ApplicationCreated), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
fn submit_application() {}

#[utoipa::path(get, path = "/v1/applications", tag = "applications",
    responses((status = 200, body = ApplicationList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
fn list_applications() {}

#[utoipa::path(get, path = "/v1/applications/{id}", tag = "applications", params(("id" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
fn get_application() {}

#[utoipa::path(get, path = "/v1/applications/{id}/document", tag = "applications", params(("id" = String, Path)),
    responses((status = 200, description = "The PDF", content_type = "application/pdf"),
        (status = 302, description = "A short-lived download URL"), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
fn get_document() {}

#[utoipa::path(post, path = "/v1/applications/{id}/resubmit", tag = "applications", params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body → same answer, for 24 h")),
    request_body = ResubmitRequest,
    responses((status = 200, body = ApplicationView), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
fn resubmit() {}

#[utoipa::path(post, path = "/v1/applications/{id}/decision", tag = "review", params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body → same answer, for 24 h")),
    request_body = DecisionRequest,
    responses((status = 200, body = ApplicationView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
fn decide() {}

#[utoipa::path(get, path = "/v1/work", tag = "review",
    params(("office" = Option<String>, Query), ("status" = Option<String>, Query)),
    responses((status = 200, body = WorkQueue), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
fn work_queue() {}

#[utoipa::path(post, path = "/v1/payments/webhook/{provider}", tag = "payments", params(("provider" = String, Path),
        ("Guichet-Signature" = String, Header, description = "t=<unix>,v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>")),
    request_body = PaymentNotice,
    responses((status = 200, body = PaymentAck), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
fn payment_webhook() {}

#[utoipa::path(get, path = "/v1/verify/{number}", tag = "verify", params(("number" = String, Path)),
    responses((status = 200, body = VerifyResult), (status = 422, body = Problem)))]
fn verify_number() {}

#[utoipa::path(post, path = "/v1/verify", tag = "verify",
    request_body(content((SealRequest = "application/json"), (Vec<u8> = "application/pdf"))),
    responses((status = 200, body = VerifyResult), (status = 400, body = Problem), (status = 413, body = Problem),
        (status = 422, body = Problem)))]
fn verify_post() {}

#[utoipa::path(get, path = "/v1/keys", tag = "verify",
    responses((status = 200, description = "JWK Set of the seal keys (OKP, Ed25519)", content_type = "application/json")))]
fn keys() {}

#[utoipa::path(get, path = "/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "This document", content_type = "application/json")))]
fn openapi() {}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// What any operation may answer besides its own: 503 when a backend fails (nothing lost, try
/// again), and 429 past a client's budget wherever a limit or a token applies.
struct EveryOperation;

impl utoipa::Modify for EveryOperation {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, Response, ResponseBuilder, content::ContentBuilder};
        let problem = |description: &str| -> RefOr<Response> {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/problem+json",
                        ContentBuilder::new()
                            .schema(Some(utoipa::openapi::Ref::from_schema_name("Problem")))
                            .build(),
                    )
                    .build(),
            )
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let limited = !matches!(
                path.as_str(),
                "/v1/keys" | "/v1/openapi.json" | "/v1/payments/webhook/{provider}"
            );
            for op in [&mut item.get, &mut item.post].into_iter().flatten() {
                let responses = &mut op.responses.responses;
                responses
                    .entry("503".into())
                    .or_insert_with(|| problem("A backend failed; nothing was lost, try again"));
                if limited {
                    responses.entry("429".into()).or_insert_with(|| {
                        problem("Too many requests from this client; see Retry-After")
                    });
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Guichet", version = "1", description = "Ask the State of Mali for official documents; verify them."),
    paths(submit_application, list_applications, get_application, get_document, resubmit, decide, work_queue, payment_webhook,
        verify_number, verify_post, keys, openapi),
    components(schemas(SubmitRequest, ResubmitRequest, ApplicantInput, DecisionRequest, ExtractRecordInput, ConvictionInput, PaymentNotice,
        SealRequest, ApplicationCreated, ApplicationView, ApplicationList, ApplicationSummary, WorkQueue, WorkItem,
        PaymentAck, VerifyResult, HolderView, MoneyView, ApplicantView, HistoryEntry, AccessEntry, DecisionView, DocumentView,
        Problem, ProblemField)),
    modifiers(&BearerAuth, &EveryOperation)
)]
struct ApiDoc;

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::routes::Route;
    use http::Method;

    #[test]
    fn every_documented_operation_is_a_route_and_the_document_is_3_1() {
        let doc = serde_json::to_value(document()).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        let paths = doc["paths"].as_object().unwrap();
        assert_eq!(paths.len(), 11);
        let decide = &paths["/v1/applications/{id}/decision"]["post"];
        assert!(decide["responses"].get("429").is_some());
        assert!(
            decide["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "Idempotency-Key")
        );
        for (path, ops) in paths {
            let concrete = path
                .replace("{id}", "01J00000000000000000000000")
                .replace("{provider}", "sandbox")
                .replace("{number}", "CJ-2026-000001-0");
            for method in ops.as_object().unwrap().keys() {
                let m: Method = method.to_uppercase().parse().unwrap();
                assert!(
                    Route::recognize(&m, &concrete).is_ok(),
                    "{method} {path} is documented but not routed"
                );
                assert!(
                    ops[method]["responses"].get("503").is_some(),
                    "{method} {path} may fail over"
                );
            }
        }
    }
}
