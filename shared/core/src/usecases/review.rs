//! A court registry clerk works through the office's queue and decides.

use super::idempotency::{self, Idempotency};
use super::{parse_id, require, retry_on_conflict};
use crate::domain::{
    Application, Decision, DecisionOutcome, DocumentKind, ExtractRecord, ExtractRecordInput,
    FieldErrors, OfficeCode, Principal, Role, Status, clean_text,
};
use crate::error::Error;
use crate::messages::Msg;
use crate::ports::{ApplicationStore, Clock};
use serde::Deserialize;

/// Roles that review applications of their office.
const REVIEWERS: [Role; 2] = [Role::Clerk, Role::Signatory];

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// `approve`, `reject` or `request_info`
    pub decision: Option<String>,
    /// Required to reject or to ask for information; shown to the applicant.
    pub reason: Option<String>,
    /// What the document will say; required to approve an extract.
    pub record: Option<ExtractRecordInput>,
}

pub async fn work_queue(
    store: &dyn ApplicationStore,
    who: &Principal,
    office: Option<&str>,
    status: Option<&str>,
) -> Result<(OfficeCode, Status, Vec<Application>), Error> {
    require(who, &REVIEWERS)?;
    let own = who.office.clone().ok_or(Error::Forbidden)?;
    let office = match office {
        None => own,
        // Another office's queue is "not found", like another office's application.
        Some(o) => OfficeCode::parse(o)
            .ok()
            .filter(|o| *o == own)
            .ok_or(Error::NotFound)?,
    };
    let status = match status {
        None => Status::InReview,
        Some(s) => s
            .parse::<Status>()
            .map_err(|_| Error::invalid("status", Msg::UnknownQueueStatus))?,
    };
    let items = store.work_queue(&office, status, 200).await?;
    Ok((office, status, items))
}

/// What deciding needs. An approval's event goes to the issue step with the decision, in the
/// same write (the outbox): there is nothing else to send.
pub struct Deciding<'a> {
    pub applications: &'a dyn ApplicationStore,
    pub clock: &'a dyn Clock,
}

pub async fn decide(
    ports: &Deciding<'_>,
    who: &Principal,
    id: &str,
    request: &DecisionRequest,
    idempotency: Option<Idempotency<'_>>,
) -> Result<Application, Error> {
    require(who, &REVIEWERS)?;
    let id = parse_id(id)?;
    let store = ports.applications;
    let now = ports.clock.now();
    let mut errors = FieldErrors::default();
    let outcome = errors.required(
        "decision",
        request
            .decision
            .as_deref()
            .map(|d| DecisionOutcome::parse(d).ok_or(Msg::UnknownDecision)),
    );
    let reason = request
        .reason
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .and_then(|r| errors.check("reason", clean_text(r, 500)));
    let visible = |a: &Application| who.works_at(&a.office, &REVIEWERS);
    let route = format!("POST /v1/applications/{id}/decision");
    let (decided, replayed) = idempotency::once(
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
                    .filter(|a| who.works_at(&a.office, &REVIEWERS))
                    .ok_or(Error::NotFound)?;
                let mut errors = errors.clone();
                let Some(outcome) = outcome else {
                    return Err(Error::Invalid(errors));
                };
                let record = match outcome {
                    DecisionOutcome::Approve => {
                        parse_record(app.kind, request.record.as_ref(), now.date(), &mut errors)
                    }
                    _ => {
                        if reason.is_none() {
                            errors.push("reason", Msg::ReasonRequired);
                        }
                        if request.record.is_some() {
                            errors.push("record", Msg::RecordNotExpected);
                        }
                        None
                    }
                };
                errors.into_result()?;
                if app.status() != Status::InReview {
                    return Err(Error::Conflict(Msg::WrongStatus {
                        status: app.status().as_str(),
                    }));
                }
                let change = app.decide(Decision {
                    outcome,
                    reason: reason.clone(),
                    record,
                    by: who.actor(),
                    at: now,
                })?;
                app.version = idempotency::write(store, &app, &[change], key.as_ref()).await?;
                Ok(app)
            })
            .await
        },
    )
    .await?;
    if replayed {
        return Ok(decided);
    }
    tracing::info!(application_id = %decided.id, status = %decided.status(), "decision recorded");
    Ok(decided)
}

fn parse_record(
    kind: DocumentKind,
    input: Option<&ExtractRecordInput>,
    today: time::Date,
    errors: &mut FieldErrors,
) -> Option<ExtractRecord> {
    match kind {
        DocumentKind::CriminalRecordExtract => match input {
            None => {
                errors.push("record", Msg::RecordRequired);
                None
            }
            Some(r) => ExtractRecord::parse(r, today, "record", errors),
        },
        _ => None,
    }
}
