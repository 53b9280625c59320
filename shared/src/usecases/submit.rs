//! A citizen asks for a document.

use crate::context::Context;
use crate::domain::{
    Applicant, ApplicantInput, Application, ApplicationId, DocumentKind, FieldErrors,
    NewApplication, PaymentReference,
};
use crate::error::Error;
use crate::http::auth::{Principal, Role};
use crate::messages::Msg;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// `criminal_record_extract`, …
    pub kind: Option<String>,
    pub applicant: Option<ApplicantInput>,
    /// Per kind. For the extract: `{ "purpose": "emploi" }` (optional).
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

use super::idempotency;
pub use super::idempotency::Idempotency;

/// Opens the application, or returns the one this idempotency key already opened.
pub async fn submit(
    ctx: &Context,
    who: &Principal,
    request: SubmitRequest,
    idempotency: Option<Idempotency<'_>>,
) -> Result<Application, Error> {
    who.require(&[Role::Applicant])?;
    let now = ctx.clock.now();
    let id = ApplicationId::new(ulid::Ulid::new());
    let visible = |a: &Application| a.subject == who.subject;
    let (app, _) = idempotency::once(ctx, who, idempotency, "", id, visible, |key| async move {
        let mut errors = FieldErrors::default();
        let kind = errors.required(
            "kind",
            request.kind.as_deref().map(|k| {
                let kind = k.parse::<DocumentKind>()?;
                match ctx.catalogue.service(kind) {
                    Some(_) => Ok(kind),
                    None => Err(Msg::KindNotOffered),
                }
            }),
        );
        let applicant = match &request.applicant {
            None => {
                errors.push("applicant", Msg::Required);
                None
            }
            Some(input) => Applicant::parse(input, now.date(), "applicant", &mut errors),
        };
        let details = parse_details(request.details.as_ref(), &mut errors);
        let (Some(kind), Some(applicant), Some(details)) = (kind, applicant, details) else {
            return Err(Error::Invalid(errors));
        };
        errors.into_result()?;

        let service = ctx
            .catalogue
            .service(kind)
            .ok_or(Error::Internal("service vanished".into()))?;
        let office = ctx
            .catalogue
            .route(kind, &applicant)
            .ok_or_else(|| Error::Internal(format!("no office routes {kind}")))?;
        let mut app = Application::open(NewApplication {
            id,
            kind,
            subject: who.subject.clone(),
            applicant,
            details,
            office: office.code.clone(),
            fee: service.fee,
            payment_reference: PaymentReference::generate(),
            at: now,
        });
        ctx.applications.create(&app, key.as_ref()).await?;
        tracing::info!(application_id = %app.id, kind = %kind, office = %app.office, "application opened");
        app.version = 1;
        Ok(app)
    })
    .await?;
    Ok(app)
}

/// The extract's details: an optional purpose, nothing else.
fn parse_details(
    raw: Option<&serde_json::Value>,
    errors: &mut FieldErrors,
) -> Option<serde_json::Value> {
    let Some(value) = raw else {
        return Some(serde_json::json!({}));
    };
    let Some(map) = value.as_object() else {
        errors.push("details", Msg::WrongType { expected: "object" });
        return None;
    };
    let mut ok = true;
    let mut out = serde_json::Map::new();
    for (k, v) in map {
        match (k.as_str(), v) {
            ("purpose", serde_json::Value::Null) => {}
            ("purpose", serde_json::Value::String(s)) => match crate::domain::clean_text(s, 200) {
                Ok(p) => {
                    out.insert("purpose".into(), p.into());
                }
                Err(m) => {
                    errors.push("details.purpose", m);
                    ok = false;
                }
            },
            ("purpose", _) => {
                errors.push("details.purpose", Msg::WrongType { expected: "string" });
                ok = false;
            }
            (other, _) => {
                errors.push(format!("details.{other}"), Msg::UnknownField);
                ok = false;
            }
        }
    }
    ok.then_some(serde_json::Value::Object(out))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResubmitRequest {
    /// The corrected identity, whole; absent keeps it as it was.
    pub applicant: Option<ApplicantInput>,
    /// Corrected details; absent keeps them.
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
    /// The applicant's answer to the registry, kept in the history.
    pub message: Option<String>,
}

/// Answers a request for information: the application goes back to the registry's queue, with
/// the corrections, routed again in case the place of birth changed.
pub async fn resubmit(
    ctx: &Context,
    who: &Principal,
    id: &str,
    request: &ResubmitRequest,
    idempotency: Option<Idempotency<'_>>,
) -> Result<Application, Error> {
    who.require(&[Role::Applicant])?;
    let id = super::parse_id(id)?;
    let now = ctx.clock.now();
    let mut errors = FieldErrors::default();
    let applicant = match &request.applicant {
        Some(input) => Applicant::parse(input, now.date(), "applicant", &mut errors),
        None => None,
    };
    let details = match &request.details {
        Some(d) => parse_details(Some(d), &mut errors),
        None => None,
    };
    let message = match request.message.as_deref().filter(|m| !m.trim().is_empty()) {
        Some(m) => errors.check("message", crate::domain::clean_text(m, 1000)),
        None => None,
    };
    errors.into_result()?;
    let visible = |a: &Application| a.subject == who.subject;
    let route = format!("POST /v1/applications/{id}/resubmit");
    let resubmitted = idempotency::once(
        ctx,
        who,
        idempotency,
        &route,
        id,
        visible,
        |key| async move {
            super::retry_on_conflict(|| async {
                let mut app = ctx
                    .applications
                    .get(id)
                    .await?
                    .filter(|a| a.subject == who.subject)
                    .ok_or(Error::NotFound)?;
                if app.status() != crate::domain::Status::NeedsInfo {
                    return Err(Error::Conflict(Msg::WrongStatus {
                        status: app.status().as_str(),
                    }));
                }
                if let Some(a) = &applicant {
                    let office = ctx
                        .catalogue
                        .route(app.kind, a)
                        .ok_or_else(|| Error::Internal(format!("no office routes {}", app.kind)))?;
                    app.office = office.code.clone();
                    app.applicant = a.clone();
                }
                if let Some(d) = &details {
                    app.details = d.clone();
                }
                let change = app.transition(
                    crate::domain::Status::InReview,
                    who.actor(),
                    now,
                    message.clone(),
                )?;
                app.version = idempotency::write(ctx, &app, &[change], key.as_ref()).await?;
                Ok(app)
            })
            .await
        },
    )
    .await?;
    Ok(resubmitted.0)
}
