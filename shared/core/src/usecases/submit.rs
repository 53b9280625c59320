//! A citizen asks for a document.

use super::{require, retry_on_conflict};
use crate::catalogue::Catalogue;
use crate::domain::{
    Applicant, ApplicantInput, Application, ApplicationId, DocumentKind, FieldErrors,
    NewApplication, PaymentReference, Principal, Role, Status, clean_text,
};
use crate::error::Error;
use crate::kinds::Kind;
use crate::messages::Msg;
use crate::ports::{ApplicationStore, Clock};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// `criminal_record_extract`, …
    pub kind: Option<String>,
    pub applicant: Option<ApplicantInput>,
    /// Per kind, as `GET /v1/catalogue` describes them (`details_schema`). For the extract:
    /// `{ "purpose": "emploi" }` (optional).
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

use super::idempotency;
pub use super::idempotency::Idempotency;

/// What opening and answering applications need.
pub struct Applying<'a> {
    pub applications: &'a dyn ApplicationStore,
    pub catalogue: &'a Catalogue,
    pub clock: &'a dyn Clock,
}

/// Opens the application, or returns the one this idempotency key already opened (and says so:
/// `true` for a replay).
pub async fn submit(
    ports: &Applying<'_>,
    who: &Principal,
    request: SubmitRequest,
    idempotency: Option<Idempotency<'_>>,
) -> Result<(Application, bool), Error> {
    require(who, &[Role::Applicant])?;
    let store = ports.applications;
    let now = ports.clock.now();
    let id = ApplicationId::new(ulid::Ulid::new());
    let visible = |a: &Application| a.subject == who.subject;
    let once = idempotency::once(
        store,
        ports.clock,
        who,
        idempotency,
        "",
        id,
        visible,
        |key| async move {
            let mut errors = FieldErrors::default();
            let service = errors.required(
                "kind",
                request.kind.as_deref().map(|k| {
                    // A wrong kind is answered with the ones that can be asked for.
                    let offered = || {
                        let kinds: Vec<&str> = ports
                            .catalogue
                            .offered()
                            .iter()
                            .map(|s| s.kind.as_str())
                            .collect();
                        kinds.join(", ")
                    };
                    let kind = k
                        .parse::<DocumentKind>()
                        .map_err(|_| Msg::UnknownKind { offered: offered() })?;
                    match ports.catalogue.service(kind) {
                        Some(service) if ports.catalogue.kind(kind).is_some() => Ok(service),
                        _ if ports.catalogue.kind(kind).is_some()
                            || crate::kinds::is_announced(kind) =>
                        {
                            Err(Msg::KindNotOffered { offered: offered() })
                        }
                        _ => Err(Msg::UnknownKind { offered: offered() }),
                    }
                }),
            );
            let kind_type = service.and_then(|s| ports.catalogue.kind(s.kind));
            if let Some(n) = kind_type.and_then(|k| k.not_needed(request.details.as_ref())) {
                return Err(Error::NotNeeded(n));
            }
            let applicant = match &request.applicant {
                None => {
                    errors.push("applicant", Msg::Required);
                    None
                }
                Some(input) => {
                    let input = with_defaults(kind_type, input);
                    Applicant::parse(&input, now.date(), "applicant", &mut errors)
                }
            };
            // The details are read even when the applicant's fields failed: one answer names
            // every wrong field.
            let details = kind_type.and_then(|kind| {
                kind.details(
                    request.details.as_ref(),
                    applicant.as_ref(),
                    now.date(),
                    &mut errors,
                )
            });
            let (Some(service), Some(applicant), Some(details)) = (service, applicant, details)
            else {
                return Err(Error::Invalid(errors));
            };
            errors.into_result()?;
            let kind = service.kind;
            let fee = service.fee_for(&details);
            let fee_terms = service.fee_terms(&details);
            let office = match kind_type.and_then(|k| k.office(&details)) {
                Some(chosen) => ports
                    .catalogue
                    .office(&chosen)
                    .ok_or(Error::UnknownOffice(chosen))?,
                None => office_for(ports.catalogue, kind, &applicant)?,
            };
            let mut app = Application::open(NewApplication {
                id,
                kind,
                subject: who.subject.clone(),
                applicant,
                details,
                office: office.code.clone(),
                fee,
                fee_terms,
                payment_reference: PaymentReference::generate(),
                required_attachments: kind_type
                    .map(|k| {
                        k.attachments()
                            .iter()
                            .filter(|a| a.required)
                            .map(|a| a.name.clone())
                            .collect()
                    })
                    .unwrap_or_default(),
                at: now,
            });
            store.create(&app, key.as_ref()).await?;
            tracing::info!(application_id = %app.id, kind = %kind, office = %app.office, "application opened");
            app.version = 1;
            Ok(app)
        },
    );
    once.await
}

/// What the applicant typed, with what a kind lets them leave out filled in: a traveller's
/// place of birth, which a passport does not print, reads as not given, born outside Mali.
fn with_defaults(kind: Option<&dyn Kind>, input: &ApplicantInput) -> ApplicantInput {
    let mut input = input.clone();
    let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
    if kind.is_some_and(|k| k.birth_place_optional()) && blank(&input.birth_place) {
        input.birth_place = Some(NOT_GIVEN.into());
        if blank(&input.birth_country) {
            input.birth_country = Some(UNKNOWN_COUNTRY.into());
        }
    }
    input
}

/// How a place of birth left out is kept and printed.
pub const NOT_GIVEN: &str = "non précisé";
/// ISO 3166's code for an unknown state, for a birth country left out with its place.
pub const UNKNOWN_COUNTRY: &str = "ZZ";

/// What an application's kind is. The catalogue refuses at load a kind it cannot name, so an
/// application of an unknown kind is a store holding what this version never made.
pub(crate) fn kind_of<'c>(
    catalogue: &'c Catalogue,
    app: &Application,
) -> Result<&'c dyn Kind, Error> {
    catalogue
        .kind(app.kind)
        .ok_or_else(|| Error::Internal(format!("no kind {} in this version", app.kind)))
}

/// The office that decides this kind for this person. The catalogue checked at load that every
/// kind it offers is routed, so a kind without an office is a broken invariant.
fn office_for<'c>(
    catalogue: &'c Catalogue,
    kind: DocumentKind,
    applicant: &Applicant,
) -> Result<&'c crate::catalogue::Office, Error> {
    catalogue
        .route(kind, applicant)
        .ok_or_else(|| Error::Internal(format!("no office routes {kind}")))
}

/// An answer comes after payment: it may correct anything but what the fee paid and the office
/// depend on. A change of either is refused naming the fields that made it (the terms priced
/// that changed; the mission, or the place of birth that routes), so a transit visa's fee never
/// buys a business visa, and a court is not handed an application another court was paid for.
fn fixed_once_paid(
    catalogue: &Catalogue,
    kind: &dyn Kind,
    before: &Application,
    after: &Application,
) -> Result<(), Error> {
    let mut fixed = FieldErrors::default();
    if let Some(service) = catalogue.service(after.kind) {
        // What was priced: the terms kept when it was asked, or for an application made before
        // they were kept, the details it had.
        let paid = if before.fee_terms.is_empty() {
            service.fee_terms(&before.details)
        } else {
            before.fee_terms.clone()
        };
        let now = service.fee_terms(&after.details);
        if service.fee_for_terms(&now) != service.fee_for_terms(&paid) {
            let paths: std::collections::BTreeSet<&String> =
                paid.keys().chain(now.keys()).collect();
            for path in paths.into_iter().filter(|p| paid.get(*p) != now.get(*p)) {
                fixed.push(format!("details.{path}"), Msg::FixedOncePaid);
            }
        }
    }
    if after.office != before.office {
        // The field that chose the office (a visa's mission), else what routes by birth.
        let field = kind.office_field().unwrap_or(
            if before.applicant.birth_country != after.applicant.birth_country
                && before.applicant.birth_place == after.applicant.birth_place
            {
                "applicant.birth_country"
            } else {
                "applicant.birth_place"
            },
        );
        fixed.push(field, Msg::FixedOncePaid);
    }
    if fixed.0.is_empty() {
        Ok(())
    } else {
        Err(Error::FixedOncePaid(fixed))
    }
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
    ports: &Applying<'_>,
    who: &Principal,
    id: &str,
    request: &ResubmitRequest,
    idempotency: Option<Idempotency<'_>>,
) -> Result<Application, Error> {
    require(who, &[Role::Applicant])?;
    let id = super::parse_id(id)?;
    let store = ports.applications;
    let now = ports.clock.now();
    let mut errors = FieldErrors::default();
    let message = match request.message.as_deref().filter(|m| !m.trim().is_empty()) {
        Some(m) => errors.check("message", clean_text(m, 1000)),
        None => None,
    };
    errors.into_result()?;
    let visible = |a: &Application| a.subject == who.subject;
    let route = format!("POST /v1/applications/{id}/resubmit");
    let resubmitted = idempotency::once(
        store,
        ports.clock,
        who,
        idempotency,
        &route,
        id,
        visible,
        |key| async move {
            retry_on_conflict(|| async {
                let mut app = super::own(store, who, id).await?;
                if app.status() != Status::NeedsInfo {
                    return Err(Error::Conflict(Msg::WrongStatus {
                        status: app.status().as_str(),
                    }));
                }
                // Waiting for its proofs, not for an answer: only the proofs open the review.
                let missing = app.missing_attachments();
                if app.awaiting_attachments && !missing.is_empty() {
                    return Err(Error::Conflict(Msg::AttachmentsMissing {
                        names: missing.join(", "),
                    }));
                }
                let kind = kind_of(ports.catalogue, &app)?;
                let asked = app.clone();
                let mut errors = FieldErrors::default();
                if let Some(input) = &request.applicant {
                    let input = with_defaults(Some(kind), input);
                    if let Some(a) = Applicant::parse(&input, now.date(), "applicant", &mut errors)
                    {
                        app.applicant = a;
                    }
                }
                errors.into_result()?;
                // Details are read again with the identity they go with: a corrected place of
                // birth may no longer fit the basis given before.
                if request.applicant.is_some() || request.details.is_some() {
                    let before = app.clone();
                    let raw = request.details.as_ref().unwrap_or(&app.details).clone();
                    if let Some(n) = kind.not_needed(Some(&raw)) {
                        return Err(Error::NotNeeded(n));
                    }
                    let mut errors = FieldErrors::default();
                    let details =
                        kind.details(Some(&raw), Some(&app.applicant), now.date(), &mut errors);
                    errors.into_result()?;
                    app.details =
                        details.ok_or_else(|| Error::invalid("details", Msg::Required))?;
                    app.office = match kind.office(&app.details) {
                        Some(chosen) => chosen,
                        None => office_for(ports.catalogue, app.kind, &app.applicant)?
                            .code
                            .clone(),
                    };
                    fixed_once_paid(ports.catalogue, kind, &before, &app)?;
                    super::screening::reopen_if_renamed(kind, &mut app);
                }
                // An answer says something: a message, a correction or a file sent since the
                // question. Nothing at all would send the same application back unchanged.
                let asked_at = asked.decision.as_ref().map(|d| d.at);
                let new_file = app
                    .attachments
                    .iter()
                    .any(|a| asked_at.is_none_or(|at| a.announced_at > at));
                let changed = app.applicant != asked.applicant || app.details != asked.details;
                if message.is_none() && !changed && !new_file {
                    return Err(Error::invalid("message", Msg::EmptyAnswer));
                }
                let change = app.transition(Status::InReview, who.actor(), now, message.clone())?;
                app.version = idempotency::write(store, &app, &[change], key.as_ref()).await?;
                Ok(app)
            })
            .await
        },
    )
    .await?;
    Ok(resubmitted.0)
}
