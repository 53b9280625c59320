//! RFC 9457 problem details: the one mapping from `Error` to what a client reads.

use super::response::with_common_headers;
use guichet_core::Error;
use guichet_core::messages::{Msg, ProblemTitle};
use lambda_http::{Body, Response};
use serde::Serialize;

/// A problem as sent: `title`/`detail` in French, `title_en`/`detail_en` in English.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A stable URI naming the kind of problem.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub title_en: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_en: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
    /// Why a border crossing was refused: `second_entry`, `not_yet_valid`, `expired`, `revoked`
    /// or `wrong_passport`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    /// Path of the field in the request body, e.g. `applicant.birth_date`.
    pub field: String,
    pub message: String,
    pub message_en: String,
}

const TYPE_BASE: &str = "https://guichet.ml/problems/";

impl Problem {
    fn new(status: u16, slug: &str, title: ProblemTitle) -> Self {
        let t = title.bilingual();
        Problem {
            type_uri: format!("{TYPE_BASE}{slug}"),
            title: t.fr,
            title_en: t.en,
            status,
            detail: None,
            detail_en: None,
            errors: Vec::new(),
            reason: None,
        }
    }

    fn detail(mut self, fr: String, en: String) -> Self {
        self.detail = Some(fr);
        self.detail_en = Some(en);
        self
    }

    pub fn from_error(e: &Error) -> Self {
        match e {
            Error::Malformed(why) => Problem::new(400, "malformed", ProblemTitle::Malformed)
                .detail(
                    format!("Le corps de la requête n'est pas du JSON valide : {why}"),
                    format!("The request body is not valid JSON: {why}"),
                ),
            Error::Invalid(errors) => {
                let mut p = Problem::new(422, "invalid", ProblemTitle::Invalid).detail(
                    "Un ou plusieurs champs sont invalides.".into(),
                    "One or more fields are invalid.".into(),
                );
                p.errors = field_errors(errors);
                p
            }
            Error::NotNeeded(n) => {
                let m = n.message.bilingual();
                let mut p = Problem::new(422, n.problem, ProblemTitle::NotNeeded)
                    .detail(m.fr.clone(), m.en.clone());
                p.errors = vec![ProblemField {
                    field: n.field.into(),
                    message: m.fr,
                    message_en: m.en,
                }];
                p
            }
            Error::CrossingRefused(r) => {
                let m = Msg::CrossingRefused(r.clone()).bilingual();
                let mut p = Problem::new(409, "crossing-refused", ProblemTitle::CrossingRefused)
                    .detail(m.fr, m.en);
                p.reason = Some(r.reason().into());
                p
            }
            Error::TooLarge { limit } => {
                let (fr, en) = size(*limit);
                Problem::new(413, "too-large", ProblemTitle::TooLarge).detail(
                    format!("Le corps de la requête dépasse {fr}."),
                    format!("The request body is larger than {en}."),
                )
            }
            Error::UnsupportedMediaType { accepted } => Problem::new(
                415,
                "unsupported-media-type",
                ProblemTitle::UnsupportedMediaType,
            )
            .detail(
                format!("Cette adresse accepte : {}.", accepted.join(", ")),
                format!("This route accepts: {}.", accepted.join(", ")),
            ),
            Error::BadSignature(msg) => {
                let m = msg.bilingual();
                Problem::new(401, "invalid-signature", ProblemTitle::InvalidSignature)
                    .detail(m.fr, m.en)
            }
            Error::Unauthenticated => {
                Problem::new(401, "unauthenticated", ProblemTitle::Unauthenticated).detail(
                    "Jeton d'accès absent, expiré ou invalide.".into(),
                    "Access token missing, expired or invalid.".into(),
                )
            }
            Error::Forbidden => Problem::new(403, "forbidden", ProblemTitle::Forbidden).detail(
                "Votre rôle ne permet pas cette opération.".into(),
                "Your role does not allow this operation.".into(),
            ),
            Error::Refused(msg) => {
                let m = msg.bilingual();
                Problem::new(403, "forbidden", ProblemTitle::Forbidden).detail(m.fr, m.en)
            }
            Error::NotFound => Problem::new(404, "not-found", ProblemTitle::NotFound),
            Error::MethodNotAllowed { .. } => {
                Problem::new(405, "method-not-allowed", ProblemTitle::MethodNotAllowed)
            }
            Error::Conflict(msg) => {
                let m = msg.bilingual();
                Problem::new(409, "conflict", ProblemTitle::Conflict).detail(m.fr, m.en)
            }
            Error::IdempotencyKeyRequired => {
                let m = Msg::IdempotencyKeyRequired.bilingual();
                let mut p = Problem::new(
                    428,
                    "idempotency-key-required",
                    ProblemTitle::IdempotencyKeyRequired,
                )
                .detail(m.fr.clone(), m.en.clone());
                p.errors = vec![ProblemField {
                    field: "Idempotency-Key".into(),
                    message: m.fr,
                    message_en: m.en,
                }];
                p
            }
            Error::FixedOncePaid(errors) => {
                let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
                let m = Msg::PaidTermsFixed {
                    fields: fields.join(", "),
                }
                .bilingual();
                let mut p = Problem::new(409, "fixed-once-paid", ProblemTitle::FixedOncePaid)
                    .detail(m.fr, m.en);
                p.errors = field_errors(errors);
                p
            }
            Error::RateLimited { retry_after } => {
                let s = retry_after.as_secs();
                Problem::new(429, "too-many-requests", ProblemTitle::TooManyRequests).detail(
                    format!("Trop de requêtes : réessayez dans {s} s."),
                    format!("Too many requests: try again in {s} s."),
                )
            }
            // Which provider failed and how stays in the logs.
            Error::ProviderUnavailable(_) => Problem::new(
                502,
                "payment-provider-unavailable",
                ProblemTitle::ProviderUnavailable,
            )
            .detail(
                "Le service de paiement ne répond pas. Rien n'a été prélevé : réessayez dans un instant ou choisissez un autre moyen de paiement.".into(),
                "The payment service does not answer. Nothing was charged: try again in a moment or choose another means of payment.".into(),
            ),
            // Details of internal failures stay in the logs; clients learn only that it was ours.
            Error::Unconfirmed(_)
            | Error::Store(_)
            | Error::Queue(_)
            | Error::Blob(_)
            | Error::Keys(_)
            | Error::Render(_)
            | Error::UnknownOffice(_)
            | Error::NumbersExhausted { .. }
            | Error::Internal(_) => Problem::new(503, "unavailable", ProblemTitle::Unavailable)
                .detail(
                    "Réessayez dans un instant ; rien n'a été perdu.".into(),
                    "Try again in a moment; nothing was lost.".into(),
                ),
        }
    }

    pub fn into_response(self) -> Response<Body> {
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let builder = Response::builder()
            .status(self.status)
            .header("content-type", "application/problem+json");
        with_common_headers(builder)
            .body(Body::Binary(body))
            .unwrap_or_else(|_| Response::new(Body::Empty))
    }
}

fn field_errors(errors: &guichet_core::domain::FieldErrors) -> Vec<ProblemField> {
    errors
        .0
        .iter()
        .map(|e| {
            let m = e.message.bilingual();
            ProblemField {
                field: e.field.clone(),
                message: m.fr,
                message_en: m.en,
            }
        })
        .collect()
}

/// A limit as people say it: `4 Mo` / `4 MB`, `64 Ko` / `64 KB`, or bytes.
fn size(bytes: usize) -> (String, String) {
    const KB: usize = 1024;
    const MB: usize = 1024 * 1024;
    // Both are powers of two: a multiple has no low bits.
    if bytes >= MB && bytes & (MB - 1) == 0 {
        (format!("{} Mo", bytes / MB), format!("{} MB", bytes / MB))
    } else if bytes >= KB && bytes & (KB - 1) == 0 {
        (format!("{} Ko", bytes / KB), format!("{} KB", bytes / KB))
    } else {
        (format!("{bytes} octets"), format!("{bytes} bytes"))
    }
}

/// The response a client gets for an error: the problem, and the headers it calls for.
pub fn response(e: &Error) -> Response<Body> {
    let mut response = Problem::from_error(e).into_response();
    match e {
        Error::MethodNotAllowed { allow } => {
            response
                .headers_mut()
                .insert("allow", http::HeaderValue::from_static(allow));
        }
        Error::RateLimited { retry_after } => {
            response.headers_mut().insert(
                "retry-after",
                http::HeaderValue::from(retry_after.as_secs()),
            );
        }
        // A 401 says how to authenticate (RFC 9110): a bearer token from the identity provider,
        // or, for a payment provider's notice, its signature.
        Error::Unauthenticated => {
            response.headers_mut().insert(
                "www-authenticate",
                http::HeaderValue::from_static("Bearer realm=\"guichet\""),
            );
        }
        Error::BadSignature(_) => {
            response.headers_mut().insert(
                "www-authenticate",
                http::HeaderValue::from_static("Signature realm=\"guichet-payments\""),
            );
        }
        _ => {}
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use guichet_core::messages::Msg;

    #[test]
    fn a_validation_error_names_each_field_in_both_languages() {
        let e = Error::invalid("applicant.surname", Msg::Required);
        let p = Problem::from_error(&e);
        assert_eq!(p.status, 422);
        assert_eq!(p.errors[0].field, "applicant.surname");
        assert_eq!(p.errors[0].message, "Ce champ est obligatoire.");
        assert_eq!(p.errors[0].message_en, "This field is required.");
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["type"], "https://guichet.ml/problems/invalid");
    }

    #[test]
    fn limits_and_media_types_are_said_as_people_say_them() {
        let p = Problem::from_error(&Error::TooLarge { limit: 4 << 20 });
        assert_eq!(
            p.detail.as_deref(),
            Some("Le corps de la requête dépasse 4 Mo.")
        );
        assert_eq!(
            p.detail_en.as_deref(),
            Some("The request body is larger than 4 MB.")
        );
        assert_eq!(size(64 * 1024).1, "64 KB");
        assert_eq!(size(1000).0, "1000 octets");
        let p = Problem::from_error(&Error::UnsupportedMediaType {
            accepted: &["application/json", "application/pdf"],
        });
        assert_eq!(
            p.detail_en.as_deref(),
            Some("This route accepts: application/json, application/pdf.")
        );
    }

    #[test]
    fn internal_details_never_reach_the_client() {
        let p = Problem::from_error(&Error::Internal("sqlite: disk I/O error at /home/x".into()));
        let json = serde_json::to_string(&p).unwrap();
        assert!(!json.contains("sqlite"), "{json}");
        assert_eq!(p.status, 503);
    }
}
