//! The office's side: its work queue, the decision of a clerk (approve, reject, ask for
//! information) and the signature of a signatory, each on the workflow step the kind declares.

use super::idempotency::{self, Idempotency};
use super::submit::kind_of;
use super::{parse_id, require, retry_on_conflict};
use crate::catalogue::Catalogue;
use crate::domain::{
    Application, DocumentNumber, FieldErrors, OfficeCode, PaymentReference, Principal, Role,
    Status, StepAct, StepOutcome, StepState, clean_text,
};
use crate::error::Error;
use crate::messages::Msg;
use crate::ports::{ApplicationStore, Clock, DocumentRegistry};
use serde::Deserialize;

/// Roles that act on workflow steps: the only ones that may use the office's routes at all.
/// Which steps each may act on is the kind's workflow's to say.
pub(crate) const STAFF: [Role; 5] = [
    Role::Clerk,
    Role::Signatory,
    Role::ConsularOfficer,
    Role::ScreeningOfficer,
    Role::ScreeningSupervisor,
];

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// `approve`, `reject` or `request_info`
    pub decision: Option<String>,
    /// Required to reject or to ask for information; shown to the applicant.
    pub reason: Option<String>,
    /// The extract's content, required to approve one (`{"convictions": []}` prints "Néant").
    #[schema(value_type = Option<crate::domain::ExtractRecordInput>)]
    pub record: Option<serde_json::Value>,
    /// Every other kind's content on approval, as `GET /v1/catalogue` describes it (the
    /// nationality certificate's: `{"basis"}`, to correct the legal basis).
    #[schema(value_type = Option<Object>)]
    pub content: Option<serde_json::Value>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignatureRequest {
    /// `sign`, or `refuse` to send the proposal back to the clerk.
    pub decision: Option<String>,
    /// Required to refuse; the clerk reads it.
    pub reason: Option<String>,
}

/// Whether `who` is staff of some step of the application's workflow: of its office, or of the
/// central unit a step names (screening).
pub(crate) fn sees(catalogue: &Catalogue, who: &Principal, app: &Application) -> bool {
    catalogue
        .kind(app.kind)
        .is_some_and(|k| k.workflow().staffed_by(who, &app.office))
}

/// The office's queue in one status, oldest first: only the kinds whose workflow has a step for
/// the caller's role (a consular officer's queue holds no criminal record extract). A central
/// unit's queue (`SCREENING`) gathers, from every office its kinds go to, the applications whose
/// step it acts on is open; `step` narrows any queue to the applications whose step of that name
/// the caller may act on now.
pub async fn work_queue(
    store: &dyn ApplicationStore,
    catalogue: &Catalogue,
    who: &Principal,
    office: Option<&str>,
    status: Option<&str>,
    step: Option<&str>,
) -> Result<(OfficeCode, Status, Vec<Application>), Error> {
    require(who, &STAFF)?;
    let office = queue_office(who, office)?;
    let status = match status {
        None => Status::InReview,
        Some(s) => s
            .parse::<Status>()
            .map_err(|_| Error::invalid("status", Msg::UnknownQueueStatus))?,
    };
    if let Some(step) = step {
        let known = || {
            catalogue
                .kinds()
                .iter()
                .flat_map(|k| k.workflow().steps.iter())
        };
        if !known().any(|s| s.name == step) {
            let mut names: Vec<&str> = known().map(|s| s.name.as_str()).collect();
            names.sort_unstable();
            names.dedup();
            return Err(Error::invalid(
                "step",
                Msg::UnknownStep {
                    steps: names.join(", "),
                },
            ));
        }
    }
    // The offices whose applications a central unit's step reaches.
    let mut offices = vec![office.clone()];
    for kind in catalogue.kinds().iter() {
        if kind.workflow().central_offices().any(|o| *o == office) {
            for o in kind.offices() {
                if !offices.contains(&o) {
                    offices.push(o);
                }
            }
        }
    }
    let central = offices.len() > 1;
    // What is filtered afterwards is read deeper, so that the applications the caller can act
    // on are not hidden behind a window of ones waiting for another step.
    let depth = if central || step.is_some() { 2000 } else { 200 };
    let mut items = Vec::new();
    for o in &offices {
        items.extend(store.work_queue(o, status, depth).await?);
    }
    items.sort_by_key(|a| (a.updated_at, a.id));
    items.dedup_by_key(|a| a.id);
    items.retain(|a| sees(catalogue, who, a));
    if central || step.is_some() {
        items.retain(|a| may_act_now(catalogue, who, a, step));
    }
    items.truncate(200);
    Ok((office, status, items))
}

/// The office whose queue is asked for: the caller's own. Another office's queue is "not found",
/// like another office's application.
fn queue_office(who: &Principal, office: Option<&str>) -> Result<OfficeCode, Error> {
    let own = who
        .office
        .clone()
        .ok_or(Error::Refused(Msg::NoOfficeOnAccount))?;
    match office {
        None => Ok(own),
        Some(o) => OfficeCode::parse(o)
            .ok()
            .filter(|o| *o == own)
            .ok_or(Error::NotFound),
    }
}

/// Where a search of the queue looks.
pub struct Searching<'a> {
    pub applications: &'a dyn ApplicationStore,
    pub documents: &'a dyn DocumentRegistry,
    pub catalogue: &'a Catalogue,
    pub clock: &'a dyn Clock,
}

/// The application a reference (`GCH-…`) or a document number names, whatever its status, if
/// the caller may read it: none otherwise, as for one that does not exist. Finding it is a staff
/// read, written in its trail before it is shown, like opening it.
pub async fn search(
    ports: &Searching<'_>,
    who: &Principal,
    office: Option<&str>,
    q: &str,
) -> Result<(OfficeCode, Vec<Application>), Error> {
    require(who, &STAFF)?;
    let office = queue_office(who, office)?;
    let q = q.trim().to_ascii_uppercase();
    let found = match q.parse::<DocumentNumber>() {
        Ok(number) => ports
            .documents
            .document(&number)
            .await?
            .map(|d| d.application_id),
        Err(_) if q.starts_with("GCH-") => {
            let reference =
                PaymentReference::parse(&q).map_err(|_| Error::invalid("q", Msg::UnknownSearch))?;
            ports
                .applications
                .find_by_payment_reference(&reference)
                .await?
                .map(|a| a.id)
        }
        // Something shaped like a number but mistyped is told so; anything else, what to type.
        Err(e) if q.split('-').count() == 4 => return Err(Error::invalid("q", e)),
        Err(_) => return Err(Error::invalid("q", Msg::UnknownSearch)),
    };
    let read = match found {
        None => Err(Error::NotFound),
        Some(id) => {
            super::applications::readable(
                ports.applications,
                ports.catalogue,
                ports.clock,
                who,
                &id.to_string(),
                "search",
            )
            .await
        }
    };
    match read {
        Ok(app) => Ok((office, vec![app])),
        // Unknown, or not the caller's to read: the same empty answer.
        Err(Error::NotFound) => {
            tracing::info!(role = %who.role, found = 0, "staff search");
            Ok((office, Vec::new()))
        }
        Err(e) => Err(e),
    }
}

/// Whether `who` may act now on a step of `app` (named `step`, when given).
fn may_act_now(
    catalogue: &Catalogue,
    who: &Principal,
    app: &Application,
    step: Option<&str>,
) -> bool {
    let Some(kind) = catalogue.kind(app.kind) else {
        return false;
    };
    app.steps_of(kind.workflow())
        .into_iter()
        .filter(|(s, _, _)| step.is_none_or(|name| s.name == name))
        .any(|(s, state, _)| {
            matches!(state, StepState::Open | StepState::Referred)
                && s.actor_may(who, &app.office, state)
        })
}

/// What deciding and signing need. An approval's event goes to the issue step with the
/// decision, in the same write (the outbox): there is nothing else to send.
pub struct Deciding<'a> {
    pub applications: &'a dyn ApplicationStore,
    pub catalogue: &'a Catalogue,
    pub clock: &'a dyn Clock,
}

pub async fn decide(
    ports: &Deciding<'_>,
    who: &Principal,
    id: &str,
    request: &DecisionRequest,
    idempotency: Option<Idempotency<'_>>,
) -> Result<Application, Error> {
    require(who, &STAFF)?;
    who.second_factor_for_signing()?;
    let mut errors = FieldErrors::default();
    let outcome = errors.required(
        "decision",
        request.decision.as_deref().map(|d| match d {
            "approve" => Ok(StepOutcome::Approve),
            "reject" => Ok(StepOutcome::Reject),
            "request_info" => Ok(StepOutcome::RequestInfo),
            _ => Err(Msg::UnknownDecision),
        }),
    );
    let reason = reason(request.reason.as_deref(), &mut errors);
    let route = "decision";
    act_on_step(
        ports,
        who,
        id,
        route,
        idempotency,
        |app, today| {
            let kind = kind_of(ports.catalogue, app)?;
            let mut errors = errors.clone();
            let Some(outcome) = outcome else {
                return Err(Error::Invalid(errors));
            };
            let field = kind.content_field();
            let (raw, other) = match field {
                "record" => (
                    request.record.as_ref(),
                    ("content", request.content.is_some()),
                ),
                _ => (
                    request.content.as_ref(),
                    ("record", request.record.is_some()),
                ),
            };
            if other.1 {
                errors.push(other.0, Msg::ContentNotExpected { field: other.0 });
            }
            let content = match outcome {
                StepOutcome::Approve => kind.content(raw, app, today, &mut errors),
                _ => {
                    if reason.is_none() {
                        errors.push("reason", Msg::ReasonRequired);
                    }
                    if raw.is_some() {
                        errors.push(field, Msg::RecordNotExpected);
                    }
                    None
                }
            };
            errors.into_result()?;
            // An approval always carries what the document will say: a kind that cannot read its
            // own stored details is a defect to report now, not a document that can never be issued.
            if outcome == StepOutcome::Approve && content.is_none() {
                return Err(Error::Internal(format!(
                    "{}: no content for application {}",
                    app.kind, app.id
                )));
            }
            Ok((outcome, reason.clone(), content))
        },
        |_, _| {},
    )
    .await
}

/// A signatory signs what the clerk proposed, or refuses it with a reason for the clerk.
pub async fn sign(
    ports: &Deciding<'_>,
    who: &Principal,
    id: &str,
    request: &SignatureRequest,
    idempotency: Option<Idempotency<'_>>,
) -> Result<Application, Error> {
    require(who, &STAFF)?;
    who.second_factor_for_signing()?;
    let mut errors = FieldErrors::default();
    let outcome = errors.required(
        "decision",
        request.decision.as_deref().map(|d| match d {
            "sign" => Ok(StepOutcome::Sign),
            "refuse" => Ok(StepOutcome::Refuse),
            _ => Err(Msg::UnknownSignature),
        }),
    );
    let reason = reason(request.reason.as_deref(), &mut errors);
    if outcome == Some(StepOutcome::Refuse) && reason.is_none() {
        errors.push("reason", Msg::ReasonRequired);
    }
    errors.into_result()?;
    let outcome = outcome.ok_or_else(|| Error::invalid("decision", Msg::Required))?;
    act_on_step(
        ports,
        who,
        id,
        "signature",
        idempotency,
        |_, _| Ok((outcome, reason.clone(), None)),
        |_, _| {},
    )
    .await
}

fn reason(raw: Option<&str>, errors: &mut FieldErrors) -> Option<String> {
    raw.filter(|r| !r.trim().is_empty())
        .and_then(|r| errors.check("reason", clean_text(r, 500)))
}

/// One act on a workflow step of an application the caller is staff of, done once per
/// idempotency key: `check` reads the request against the application as it stands, and
/// `annotate` records beside the step what the step keeps of it (a screening's outcome).
pub(crate) async fn act_on_step<F, A>(
    ports: &Deciding<'_>,
    who: &Principal,
    id: &str,
    route: &str,
    idempotency: Option<Idempotency<'_>>,
    check: F,
    annotate: A,
) -> Result<Application, Error>
where
    F: Fn(
        &Application,
        time::Date,
    ) -> Result<(StepOutcome, Option<String>, Option<serde_json::Value>), Error>,
    A: Fn(&mut Application, time::OffsetDateTime),
{
    let id = parse_id(id)?;
    let store = ports.applications;
    let now = ports.clock.now();
    let visible = |a: &Application| sees(ports.catalogue, who, a);
    let route = format!("POST /v1/applications/{id}/{route}");
    let check = &check;
    let annotate = &annotate;
    let (done, replayed) = idempotency::once(
        store,
        ports.clock,
        who,
        idempotency,
        &route,
        id,
        visible,
        |key| async move {
            retry_on_conflict(|| async {
                let mut app = store
                    .get(id)
                    .await?
                    .filter(|a| sees(ports.catalogue, who, a))
                    .ok_or(Error::NotFound)?;
                let (outcome, reason, content) = check(&app, now.date())?;
                let kind = kind_of(ports.catalogue, &app)?;
                let change = app.act(
                    kind.workflow(),
                    StepAct {
                        outcome,
                        who,
                        at: now,
                        reason,
                    },
                    content,
                )?;
                annotate(&mut app, now);
                app.version = idempotency::write(store, &app, &[change], key.as_ref()).await?;
                Ok(app)
            })
            .await
        },
    )
    .await?;
    if !replayed {
        tracing::info!(application_id = %done.id, status = %done.status(), "step recorded");
    }
    Ok(done)
}
