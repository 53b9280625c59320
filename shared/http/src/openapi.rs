//! The OpenAPI 3.1 document of the v1 contract. Each route is declared once, by a stub below
//! whose `#[utoipa::path]` gives its method, path, parameters, body and answers; `stubs` hands
//! them to the route table (`routes::table`), which the recognizer matches requests against and
//! from which `document` builds the paths. The schemas are the request and response types the
//! handlers use.

#![allow(dead_code)] // the functions below exist only to carry their `#[utoipa::path]`.

use crate::api::*;
use crate::problem::{Problem, ProblemField};
use crate::routes::{Function, Op, Stub, table};
use guichet_core::domain::{ApplicantInput, ConvictionInput, ExtractRecordInput};
use guichet_core::usecases::attachments::AttachmentRequest;
use guichet_core::usecases::border::CrossingRequest;
use guichet_core::usecases::citizen::ContactRequest;
use guichet_core::usecases::payment::PaymentNotice;
use guichet_core::usecases::review::{DecisionRequest, SignatureRequest};
use guichet_core::usecases::revoke::RevocationRequest;
use guichet_core::usecases::screening::ScreeningRequest;
use guichet_core::usecases::submit::{ResubmitRequest, SubmitRequest};
use utoipa::OpenApi;

/// Ask for a document
///
/// Opens an application of a kind the catalogue offers: the applicant's fields and the kind's
/// details, all checked in one pass (every wrong field named in one 422). Answers with the office
/// chosen, the fee and the payment reference.
#[utoipa::path(post, path = "/v1/applications", tag = "applications", request_body = SubmitRequest,
    params(("Idempotency-Key" = String, Header, description = "Required (428 without): a unique value per request, such as a UUID, sent again unchanged when the request is repeated; the same key and body answer as the first did, for 24 h")),
    responses((status = 201, body = ApplicationCreated), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem),
        (status = 428, body = Problem, description = "No Idempotency-Key: nothing was made")),
    security(("bearer" = [])))]
fn submit_application() {}

/// List my applications
///
/// The caller's own applications, newest first; staff and partners use the work queue and the
/// feeds instead.
#[utoipa::path(get, path = "/v1/applications", tag = "applications",
    params(("limit" = Option<String>, Query, description = "A page of 1 to 100 (digits), newest first; without it, the 100 newest"),
        ("cursor" = Option<String>, Query, description = "The `cursor` of the previous page's answer: the page after it")),
    responses((status = 200, body = ApplicationList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
fn list_applications() {}

/// Read one application
///
/// Its status, steps, history and the staff reads of it, for its applicant or the staff of its
/// office; anyone else gets 404. A staff read is written in its trail first.
#[utoipa::path(get, path = "/v1/applications/{id}", tag = "applications", params(("id" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
fn get_application() {}

/// Download the issued PDF
///
/// The sealed, signed PDF of an issued application: in the answer, or through a short-lived link
/// (302) where documents are kept in a bucket.
#[utoipa::path(get, path = "/v1/applications/{id}/document", tag = "applications", params(("id" = String, Path)),
    responses((status = 200, description = "The PDF",
            content((Vec<u8> = "application/pdf"), (FileLink = "application/json"))),
        (status = 302, description = "A short-lived download URL"), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
fn get_document() {}

/// Answer a request for information
///
/// The applicant's answer to the office: a message, corrected fields, or new files joined before.
/// A paid application's fee terms and office cannot change.
#[utoipa::path(post, path = "/v1/applications/{id}/resubmit", tag = "applications", params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body → same answer, for 24 h")),
    request_body = ResubmitRequest,
    responses((status = 200, body = ApplicationView), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Not waiting for an answer; or `/problems/fixed-once-paid`: the answer would change what the paid fee or the office depends on, each such field named in `errors`"),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
fn resubmit() {}

/// Cancel my application
///
/// Before payment, or while the office asks for information: the application is cancelled.
/// A paid one records the fee as owed back (`refund` in the view) until an operator records the
/// refund.
#[utoipa::path(post, path = "/v1/applications/{id}/cancel", tag = "applications", params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key → same answer, for 24 h")),
    responses((status = 200, body = ApplicationView), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Paid and in the office's hands, decided or issued: no longer cancellable")),
    security(("bearer" = [])))]
fn cancel() {}

/// Change where I am told
///
/// The email and the phone the applicant is told at; written in the application's trail (which
/// of the two, never the values).
#[utoipa::path(post, path = "/v1/applications/{id}/contact", tag = "applications", params(("id" = String, Path)),
    request_body = ContactRequest,
    responses((status = 200, body = ApplicationView), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
fn change_contact() {}

/// Download my receipt
///
/// The receipt of the fee paid, as a text file in French and English: the application, the
/// amount, the provider and its transaction, the time. For its applicant and the staff of its
/// office (a staff read, on record).
#[utoipa::path(get, path = "/v1/applications/{id}/receipt", tag = "applications", params(("id" = String, Path)),
    responses((status = 200, content_type = "text/plain", description = "The receipt"), (status = 401, body = Problem),
        (status = 404, body = Problem, description = "Unknown, someone else's, or not paid")),
    security(("bearer" = [])))]
fn receipt() {}

/// Decide a review step
///
/// Approve (with the content the document will say), reject or ask for information, on the step of
/// the kind's workflow the caller's role acts on. The body schema of each step is in the
/// catalogue.
#[utoipa::path(post, path = "/v1/applications/{id}/decision", tag = "review", params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body → same answer, for 24 h")),
    request_body = DecisionRequest,
    responses((status = 200, body = ApplicationView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
fn decide() {}

/// Announce a file
///
/// Names the file, its type, size and SHA-256; answers with a signed URL to PUT the bytes to. The
/// file is checked in the background before it counts.
#[utoipa::path(post, path = "/v1/applications/{id}/attachments", tag = "applications", params(("id" = String, Path)),
    request_body = AttachmentRequest,
    responses((status = 201, body = UploadTicket, description = "PUT the bytes to upload_url with upload_headers before expires_at"),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Not while the office examines it, or accepted already"), (status = 422, body = Problem)),
    security(("bearer" = [])))]
fn add_attachment() {}

/// Read a file
///
/// A short-lived link to a joined file, for its applicant or the staff of its office (a staff
/// read, on record).
#[utoipa::path(get, path = "/v1/applications/{id}/attachments/{attachment_id}", tag = "applications",
    params(("id" = String, Path), ("attachment_id" = String, Path)),
    responses((status = 200, description = "The file",
            content((Vec<u8> = "application/octet-stream"), (FileLink = "application/json"))),
        (status = 302, description = "To a short-lived download URL"),
        (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
fn get_attachment() {}

/// The services and their forms
///
/// Every kind that can be asked for online: its titles, fee and fee lines, the applicant's
/// required fields, the details' JSON Schema, the proofs, the workflow steps with each step's
/// route and body schema, what it is and how long it usually takes.
#[utoipa::path(get, path = "/v1/catalogue", tag = "catalogue",
    responses((status = 200, body = CatalogueView, description = "Cacheable for 5 minutes")))]
fn catalogue() {}

/// Sign or refuse a proposal
///
/// A signatory of the office signs what an earlier step proposed, or refuses it with a reason for
/// the clerk; never the person who proposed it.
#[utoipa::path(post, path = "/v1/applications/{id}/signature", tag = "review", params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body → same answer, for 24 h")),
    request_body = SignatureRequest,
    responses((status = 200, body = ApplicationView), (status = 401, body = Problem),
        (status = 403, body = Problem, description = "Not a signatory of the office, or the person who proposed"),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
fn sign() {}

/// Revoke a document
///
/// Marks an issued document revoked, with the reason the holder reads; the first revocation
/// stands. Verifiers are told from then on.
#[utoipa::path(post, path = "/v1/documents/{number}/revoke", tag = "review", params(("number" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body → same answer, for 24 h")),
    request_body = RevocationRequest,
    responses((status = 200, body = RevokedDocument), (status = 409, body = Problem, description = "Revoked already")),
    security(("bearer" = [])))]
fn revoke() {}

/// An office's work queue
///
/// The applications of the caller's office in one status, oldest first, by reference (never a
/// name); or, with q, the one application a reference or a document number names (a staff read, on
/// record).
#[utoipa::path(get, path = "/v1/work", tag = "review",
    params(("office" = Option<String>, Query), ("status" = Option<String>, Query),
        ("step" = Option<String>, Query, description = "Only the applications whose step of this name the caller may act on now (`consular_review`, `screening`)"),
        ("q" = Option<String>, Query, description = "An application's reference (`GCH-…`) or a document number: the one application of the caller's office it names, whatever its status (none when it names nothing the caller may read). Each search is a staff read, in the application's trail")),
    responses((status = 200, body = WorkQueue), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
fn work_queue() {}

/// Read what screening found
///
/// The watchlist version, the name and birth year matched, each candidate with its likeness and
/// why, and the outcomes so far: for the screening unit alone, each read audited.
#[utoipa::path(get, path = "/v1/applications/{id}/screening", tag = "review", params(("id" = String, Path)),
    responses((status = 200, body = ScreeningView), (status = 401, body = Problem),
        (status = 403, body = Problem, description = "Not staff of the screening unit"),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "Matching has not run yet")),
    security(("bearer" = [])))]
fn get_screening() {}

/// Decide a screening step
///
/// Clear, refer to the supervisor (with a reason) or deny, after reading the screening record.
#[utoipa::path(post, path = "/v1/applications/{id}/screening", tag = "review", params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body → same answer, for 24 h")),
    request_body = ScreeningRequest,
    responses((status = 200, body = ApplicationView), (status = 401, body = Problem),
        (status = 403, body = Problem, description = "Not staff of the screening unit, or the step was referred to a supervisor"),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
fn screen() {}

/// Record a border crossing
///
/// A border post reads an e-visa by its seal, or by its number and the passport: an entry the visa
/// does not allow is refused, an exit is recorded and flagged.
#[utoipa::path(post, path = "/v1/border/crossings", tag = "border",
    params(("Idempotency-Key" = String, Header, description = "Required (428 without): a unique value per request, such as a UUID, sent again unchanged when the request is repeated; the same key and body answer as the first did, for 24 h")),
    request_body = CrossingRequest,
    responses((status = 201, body = CrossingRecorded), (status = 401, body = Problem),
        (status = 403, body = Problem, description = "Not a border officer of a border post"),
        (status = 404, body = Problem, description = "No such visa"),
        (status = 409, body = Problem, description = "`/problems/crossing-refused`, with a `reason`: `second_entry`, `not_yet_valid`, `expired`, `revoked`, `wrong_passport`"),
        (status = 422, body = Problem),
        (status = 428, body = Problem, description = "No Idempotency-Key: nothing was recorded")),
    security(("bearer" = [])))]
fn record_crossing() {}

/// The AES visa feed
///
/// For the partner states' systems: the visas with AES scope, from a cursor, each signed.
#[utoipa::path(get, path = "/v1/aes/visas", tag = "aes",
    params(("after" = Option<String>, Query, description = "The `next` of the previous read; none to read from the start")),
    responses((status = 200, body = AesFeedPage), (status = 401, body = Problem),
        (status = 403, body = Problem, description = "Not a partner system of an AES state"),
        (status = 422, body = Problem, description = "A cursor the feed did not give")),
    security(("bearer" = [])))]
fn aes_visas() {}

/// Check an AES visa
///
/// For the partner states' systems: the visa a seal names, its terms and the entries used.
#[utoipa::path(post, path = "/v1/aes/verify", tag = "aes",
    request_body = AesVerifyRequest,
    responses((status = 200, body = AesVerification), (status = 401, body = Problem),
        (status = 403, body = Problem, description = "Not a partner system of an AES state"),
        (status = 404, body = Problem, description = "No AES visa under this seal"),
        (status = 422, body = Problem, description = "A seal that does not verify")),
    security(("bearer" = [])))]
fn aes_verify() {}

/// Open a payment page
///
/// Opens the provider's page for the application's fee; the same Idempotency-Key answers with the
/// same page.
#[utoipa::path(post, path = "/v1/applications/{id}/payment", tag = "payments", params(("id" = String, Path),
        ("Accept-Language" = Option<String>, Header, description = "`en` for the provider's page in English; French otherwise"),
        ("Idempotency-Key" = String, Header, description = "Required (428 without): a unique value per request, such as a UUID, sent again unchanged when the request is repeated; the same key and body answer as the first did, for 24 h")),
    request_body = StartPaymentRequest,
    responses((status = 200, body = CheckoutView), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem, description = "Not the caller's application"),
        (status = 409, body = Problem, description = "The application does not wait for a payment"),
        (status = 422, body = Problem, description = "A provider not offered here"),
        (status = 428, body = Problem, description = "No Idempotency-Key: no page was opened"),
        (status = 502, body = Problem, description = "The provider did not open a payment page; nothing was charged")),
    security(("bearer" = [])))]
fn start_payment() {}

/// The payment providers
///
/// Which providers this deployment offers, for the portal's buttons.
#[utoipa::path(get, path = "/v1/payments/providers", tag = "payments",
    responses((status = 200, body = PaymentProviders)))]
fn payment_providers() {}

/// The sandbox's payment page
///
/// Outside production, a provider stand-in's page to pay without money.
#[utoipa::path(get, path = "/v1/payments/sandbox/checkout/{reference}", tag = "payments", params(("reference" = String, Path)),
    responses((status = 200, description = "The sandbox provider's payment page (outside production only)", content_type = "text/html"),
        (status = 404, body = Problem)))]
fn sandbox_checkout() {}

/// Pay on the sandbox
///
/// Outside production, pays the sandbox page's application as a provider's signed notice would.
#[utoipa::path(post, path = "/v1/payments/sandbox/checkout/{reference}", tag = "payments", params(("reference" = String, Path)),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`outcome=succeeded` or `outcome=failed`"),
    responses((status = 303, description = "Paid (or failed) through the signed webhook; back to the portal"),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
fn sandbox_pay() {}

/// A provider's payment notice
///
/// A provider tells of a payment, signed: recorded once per transaction, it pays the application
/// when the amount is the fee; anything else is kept for a refund.
#[utoipa::path(post, path = "/v1/payments/webhook/{provider}", tag = "payments", params(("provider" = String, Path),
        ("Guichet-Signature" = String, Header, description = "t=<unix>,v2=<hex HMAC-SHA256(secret, \"<t>.<provider>.<raw body>\")> (the provider of the path); v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")> is taken until the deployment refuses it (docs/payments.md)")),
    request_body = PaymentNotice,
    responses((status = 200, body = PaymentAck), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 503, body = Problem, description = "The provider could not confirm the payment yet (CinetPay's check): nothing recorded, send it again")))]
fn payment_webhook() {}

/// Verify by number (code required)
///
/// Without the verification code printed beside it, a number says nothing: answers code_required.
/// Kept for clients written before codes.
#[utoipa::path(get, path = "/v1/verify/{number}", tag = "verify", params(("number" = String, Path)),
    responses((status = 200, body = VerifyResult, description = "`{\"status\": \"code_required\"}` for every well-formed number, issued or not: check it with its code (`POST /v1/verify {number, code}`)"),
        (status = 422, body = Problem)))]
fn verify_number() {}

/// Verify a document
///
/// By its seal, by its number and verification code, or by its PDF: valid, revoked, expired or
/// unknown, with what the registry may show of it.
#[utoipa::path(post, path = "/v1/verify", tag = "verify",
    request_body(content((VerifyRequest = "application/json"), (Vec<u8> = "application/pdf"),
        (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"))),
    responses((status = 200, body = VerifyResult, description = "For a number and its code: the status, kind, dates and the holder's initials and birth year; a wrong code answers as an unknown number and counts against the caller's limit"),
        (status = 400, body = Problem), (status = 413, body = Problem),
        (status = 422, body = Problem)))]
fn verify_post() {}

/// The published seal keys
///
/// The public keys that check seals (JWK set), with the dates each signed.
#[utoipa::path(get, path = "/v1/keys", tag = "verify",
    responses((status = 200, description = "JWK Set of the seal keys (OKP, Ed25519)", content_type = "application/json")))]
fn keys() {}

/// The certificates of the file signatures
///
/// The PEM chain that PDF readers check each document's file signature against.
#[utoipa::path(get, path = "/v1/keys/certificates", tag = "verify",
    responses((status = 200, description = "The X.509 certificates of the issued files' own signatures (PAdES, ECDSA P-256), as PEM: first the Guichet root a PDF reader is told to trust, then each signing certificate it issued, oldest first", content_type = "application/pem-certificate-chain")))]
fn certificates() {}

/// How to sign in
///
/// The identity provider this deployment signs people in with, for the pages.
#[utoipa::path(get, path = "/v1/sign-in", tag = "signing in",
    responses((status = 200, body = SignInOptions)))]
fn sign_in_options() {}

/// Exchange a sign-in code
///
/// The pages' authorization code (with PKCE) exchanged for the provider's tokens.
#[utoipa::path(post, path = "/v1/sign-in", tag = "signing in",
    request_body = SignInRequest,
    responses((status = 200, body = SignedIn), (status = 401, body = Problem, description = "The provider's token did not pass our checks"),
        (status = 403, body = Problem, description = "The provider refused the code (used, expired, or another verifier)"),
        (status = 404, body = Problem, description = "No identity provider here"),
        (status = 422, body = Problem), (status = 503, body = Problem, description = "The provider did not answer")))]
fn sign_in() {}

/// Who I am, as my token says
///
/// The caller as the service reads the token: role, office, name, and whether a second factor was
/// shown.
#[utoipa::path(get, path = "/v1/me", tag = "signing in",
    responses((status = 200, body = MeView), (status = 401, body = Problem)),
    security(("bearer" = [])))]
fn me() {}

/// This contract
///
/// The OpenAPI document of v1.
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

/// What any operation may answer besides its own, from what it takes: 503 when a backend fails
/// (nothing lost, try again); 401 and 403 with a token; 404 with a path parameter; 400, 413, 415
/// and 422 with a body, 422 with a query; 429 past a client's budget. And every problem is
/// `application/problem+json`, whoever declared it.
struct EveryOperation;

impl utoipa::Modify for EveryOperation {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::{RefOr, Response, ResponseBuilder, content::ContentBuilder};
        const PROBLEM: &str = "application/problem+json";
        let problem = |description: &str| -> RefOr<Response> {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        PROBLEM,
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
                "/v1/keys"
                    | "/v1/keys/certificates"
                    | "/v1/openapi.json"
                    | "/v1/payments/webhook/{provider}"
            );
            for op in [&mut item.get, &mut item.post].into_iter().flatten() {
                let with_token = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let with_path = op
                    .parameters
                    .iter()
                    .flatten()
                    .any(|p| p.parameter_in == ParameterIn::Path);
                let with_body = op.request_body.is_some();
                let with_query = op
                    .parameters
                    .iter()
                    .flatten()
                    .any(|p| p.parameter_in == ParameterIn::Query);
                let mut may = vec![("503", "A backend failed; nothing was lost, try again")];
                if with_token {
                    may.push(("401", "No token, or a bad one"));
                    may.push(("403", "This role may not do this"));
                }
                if with_path || with_token {
                    may.push(("404", "Not found, or not yours to see"));
                }
                if with_body {
                    may.extend([
                        ("400", "The body is not JSON"),
                        ("413", "The body is too large"),
                        ("415", "Not a media type this operation reads"),
                        ("422", "A field is invalid (named in `errors`)"),
                    ]);
                }
                if with_query && !with_body {
                    may.push(("422", "A query parameter is invalid (named in `errors`)"));
                }
                if limited {
                    may.push(("429", "Too many requests from this client; see Retry-After"));
                }
                let responses = &mut op.responses.responses;
                for (status, description) in may {
                    responses
                        .entry(status.into())
                        .or_insert_with(|| problem(description));
                }
                for response in responses.values_mut() {
                    if let RefOr::T(r) = response
                        && let Some(content) = r.content.get("application/json")
                        && content.schema.as_ref().is_some_and(
                            |s| matches!(s, RefOr::Ref(r) if r.ref_location.ends_with("/Problem")),
                        )
                        && let Some(content) = r.content.shift_remove("application/json")
                    {
                        r.content.insert(PROBLEM.into(), content);
                    }
                }
            }
        }
    }
}

/// Every route of the contract: its operation, the function that serves it, its declaration.
pub(crate) fn stubs() -> Vec<(Op, Function, Stub)> {
    vec![
        (
            Op::SubmitApplication,
            Function::Submit,
            Stub::of::<__path_submit_application>(),
        ),
        (
            Op::ListApplications,
            Function::Submit,
            Stub::of::<__path_list_applications>(),
        ),
        (
            Op::GetApplication,
            Function::Submit,
            Stub::of::<__path_get_application>(),
        ),
        (
            Op::GetDocument,
            Function::Submit,
            Stub::of::<__path_get_document>(),
        ),
        (
            Op::Resubmit,
            Function::Submit,
            Stub::of::<__path_resubmit>(),
        ),
        (Op::Cancel, Function::Submit, Stub::of::<__path_cancel>()),
        (
            Op::ChangeContact,
            Function::Submit,
            Stub::of::<__path_change_contact>(),
        ),
        (Op::Receipt, Function::Submit, Stub::of::<__path_receipt>()),
        (Op::Decide, Function::Review, Stub::of::<__path_decide>()),
        (Op::Sign, Function::Review, Stub::of::<__path_sign>()),
        (
            Op::GetScreening,
            Function::Review,
            Stub::of::<__path_get_screening>(),
        ),
        (Op::Screen, Function::Review, Stub::of::<__path_screen>()),
        (
            Op::RecordCrossing,
            Function::Review,
            Stub::of::<__path_record_crossing>(),
        ),
        (
            Op::AesVisas,
            Function::Review,
            Stub::of::<__path_aes_visas>(),
        ),
        (
            Op::AesVerify,
            Function::Review,
            Stub::of::<__path_aes_verify>(),
        ),
        (
            Op::AddAttachment,
            Function::Submit,
            Stub::of::<__path_add_attachment>(),
        ),
        (
            Op::GetAttachment,
            Function::Submit,
            Stub::of::<__path_get_attachment>(),
        ),
        (Op::Revoke, Function::Review, Stub::of::<__path_revoke>()),
        (
            Op::WorkQueue,
            Function::Review,
            Stub::of::<__path_work_queue>(),
        ),
        (
            Op::PaymentWebhook,
            Function::Payment,
            Stub::of::<__path_payment_webhook>(),
        ),
        (
            Op::StartPayment,
            Function::Payment,
            Stub::of::<__path_start_payment>(),
        ),
        (
            Op::PaymentProviders,
            Function::Payment,
            Stub::of::<__path_payment_providers>(),
        ),
        (
            Op::SandboxCheckout,
            Function::Payment,
            Stub::of::<__path_sandbox_checkout>(),
        ),
        (
            Op::SandboxPay,
            Function::Payment,
            Stub::of::<__path_sandbox_pay>(),
        ),
        (
            Op::VerifyNumber,
            Function::Verify,
            Stub::of::<__path_verify_number>(),
        ),
        (
            Op::VerifyPost,
            Function::Verify,
            Stub::of::<__path_verify_post>(),
        ),
        (Op::Keys, Function::Verify, Stub::of::<__path_keys>()),
        (
            Op::Certificates,
            Function::Verify,
            Stub::of::<__path_certificates>(),
        ),
        (Op::OpenApi, Function::Verify, Stub::of::<__path_openapi>()),
        (
            Op::Catalogue,
            Function::Verify,
            Stub::of::<__path_catalogue>(),
        ),
        (
            Op::SignInOptions,
            Function::Submit,
            Stub::of::<__path_sign_in_options>(),
        ),
        (Op::SignIn, Function::Submit, Stub::of::<__path_sign_in>()),
        (Op::Me, Function::Submit, Stub::of::<__path_me>()),
    ]
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Guichet", version = "1", description = "Ask the State of Mali for official documents; verify them."),
    components(schemas(SubmitRequest, ResubmitRequest, ContactRequest, PaymentView, RefundView, ContestView, ApplicantInput, DecisionRequest, SignatureRequest, StepView, AttachmentRequest, UploadTicket, AttachmentView, CatalogueView, ServiceView, FeeLineView, AttachmentSpecView, StepSpecView, StepActionView, RevocationRequest, RevokedDocument, ExtractRecordInput, ConvictionInput, PaymentNotice,
        VerifyRequest, ApplicationCreated, RoutingView, ApplicationView, ApplicationList, ApplicationSummary, WorkQueue, WorkItem,
        PaymentAck, StartPaymentRequest, CheckoutView, PaymentProviders, VerifyResult, HolderView, OrganisationView, MoneyView, ApplicantView, HistoryEntry, AccessEntry, DecisionView, DocumentView,
        Problem, ProblemField, ScreeningRequest, ScreeningView, CandidateView, FeatureView, ScreeningDecisionView,
        CrossingRequest, CrossingRecorded, CrossedVisaView, CrossingView, AesFeedPage, AesFeedItem,
        AesVerifyRequest, AesVerification, SignInOptions, FileLink, ProviderSignIn, SignInRequest, SignedIn, MeView)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// The document: the schemas and security scheme above, and a path for every route of the table.
pub fn document() -> utoipa::openapi::OpenApi {
    use utoipa::Modify;
    let mut doc = ApiDoc::openapi();
    for route in table() {
        let method = if route.method == http::Method::POST {
            utoipa::openapi::path::HttpMethod::Post
        } else {
            utoipa::openapi::path::HttpMethod::Get
        };
        doc.paths
            .add_path_operation(&route.path, vec![method], (route.operation)());
    }
    EveryOperation.modify(&mut doc);
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 27, item 12: every operation says what it does, in a line and in a paragraph.
    #[test]
    fn every_operation_has_a_summary_and_a_description() {
        let doc = serde_json::to_value(document()).unwrap();
        let mut bare = Vec::new();
        for (path, ops) in doc["paths"].as_object().unwrap() {
            for (method, op) in ops.as_object().unwrap() {
                let said = |k: &str| op[k].as_str().is_some_and(|s| s.len() > 10);
                if !said("summary") || !said("description") {
                    bare.push(format!("{method} {path}"));
                }
            }
        }
        assert!(bare.is_empty(), "no summary or description: {bare:?}");
    }

    /// Sorts what JSON keeps in order but OpenAPI does not mean in order (parameters, `required`,
    /// tags), so two documents compare by meaning.
    fn canonical(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Array(items) => {
                items.iter_mut().for_each(canonical);
                items.sort_by_key(|i| i.to_string());
            }
            serde_json::Value::Object(map) => map.values_mut().for_each(canonical),
            _ => {}
        }
    }

    #[test]
    fn the_document_is_3_1_and_every_operation_may_fail_over() {
        let doc = serde_json::to_value(document()).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        let paths = doc["paths"].as_object().unwrap();
        assert_eq!(paths.len(), 29);
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
            for method in ops.as_object().unwrap().keys() {
                assert!(
                    ops[method]["responses"].get("503").is_some(),
                    "{method} {path} may fail over"
                );
            }
        }
    }

    /// Every operation that creates something requires its `Idempotency-Key` and says it
    /// answers 428 without one; no other requires it.
    #[test]
    fn creating_operations_require_their_idempotency_key() {
        let doc = serde_json::to_value(document()).unwrap();
        for route in table() {
            let method = route.method.as_str().to_ascii_lowercase();
            let op = &doc["paths"][&route.path][&method];
            let required = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["name"] == "Idempotency-Key" && p["required"] == true);
            assert_eq!(
                required,
                route.op.creates(),
                "{method} {}: Idempotency-Key required",
                route.path
            );
            assert_eq!(
                op["responses"].get("428").is_some(),
                route.op.creates(),
                "{method} {}: 428",
                route.path
            );
        }
    }

    /// Where `now` lost something `before` had: a path, an operation, an answer, a schema, a
    /// property or a value of a list (additions are allowed; the contract only grows).
    fn lost(before: &serde_json::Value, now: &serde_json::Value, at: &str) -> Option<String> {
        use serde_json::Value;
        match (before, now) {
            (Value::Object(b), Value::Object(n)) => b.iter().find_map(|(k, v)| match n.get(k) {
                None => Some(format!("{at}/{k}")),
                Some(w) => lost(v, w, &format!("{at}/{k}")),
            }),
            (Value::Array(b), Value::Array(n)) => b
                .iter()
                .find(|v| !n.contains(v))
                .map(|v| format!("{at}: {v}")),
            (b, n) if b == n => None,
            (b, n) => Some(format!("{at}: {b} became {n}")),
        }
    }

    /// The contract as it was last served (`contract/openapi-v1.json`): every path, operation,
    /// answer and schema it had is still there, meaning the same, whatever the order of keys.
    /// Refresh the file with what the test writes when a change only adds.
    #[test]
    fn the_document_still_means_what_it_meant() {
        let mut now = serde_json::to_value(document()).unwrap();
        let mut before: serde_json::Value =
            serde_json::from_str(include_str!("../contract/openapi-v1.json")).unwrap();
        canonical(&mut now);
        canonical(&mut before);
        let out = std::env::temp_dir().join("openapi-now.json");
        std::fs::write(&out, serde_json::to_string_pretty(&now).unwrap()).unwrap();
        if let Some(path) = lost(&before, &now, "") {
            panic!(
                "the document lost {path}; the new one is in {}",
                out.display()
            );
        }
    }
}
