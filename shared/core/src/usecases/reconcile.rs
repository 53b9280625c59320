//! The scheduled sweep that keeps applications from getting stuck between steps.
//!
//! Approving and asking for issuance are two writes: a crash between them, or a request that
//! ended in the dead letters, leaves an application approved with nothing on its way. The sweep
//! asks again (issuing is idempotent, so asking twice issues once). It also closes applications
//! left unpaid for a week, so the work queue only holds what someone can still act on; a payment
//! that arrives afterwards is recorded for refund by the payment step.

use super::retry_on_conflict;
use super::review::request_issue;
use crate::catalogue::Catalogue;
use crate::domain::{Actor, ApplicationId, Status};
use crate::error::Error;
use crate::ports::{ApplicationStore, Queue};
use crate::settings::ReconcileSettings;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

/// How long an application waits for its payment.
pub const UNPAID_EXPIRY: Duration = Duration::days(7);
/// Per office and status per run; the next run takes the rest.
const BATCH: usize = 200;

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    /// Approved applications whose issuance was asked for again.
    pub redriven: u32,
    /// Approved applications asked for too often: left to a person, logged as errors.
    pub given_up: u32,
    /// Unpaid applications closed.
    pub expired: u32,
}

/// What the sweep needs.
pub struct Sweeping<'a> {
    pub applications: &'a dyn ApplicationStore,
    pub queue: &'a dyn Queue,
    pub catalogue: &'a Catalogue,
    pub settings: &'a ReconcileSettings,
}

pub async fn reconcile(
    ports: &Sweeping<'_>,
    now: OffsetDateTime,
) -> Result<ReconcileReport, Error> {
    let mut report = ReconcileReport::default();
    let settings = ports.settings;
    for office in ports.catalogue.office_codes() {
        // Oldest first: the first one too young ends the office's sweep.
        for app in ports
            .applications
            .work_queue(&office, Status::Approved, BATCH)
            .await?
        {
            // Longer than any issuance takes, retries included: approved this long means stuck.
            if now - app.updated_at < settings.redrive_after {
                break;
            }
            if app
                .redriven_at
                .is_some_and(|at| now - at < settings.redrive_after)
            {
                continue;
            }
            if app.redrives >= settings.max_redrives {
                // A poison application: asking again would only fill the dead letters again.
                tracing::error!(application_id = %app.id, redrives = app.redrives, "issuance keeps failing; a person must look");
                report.given_up += 1;
                continue;
            }
            if redrive(ports, app.id, now).await? {
                report.redriven += 1;
            }
        }
        for app in ports
            .applications
            .work_queue(&office, Status::AwaitingPayment, BATCH)
            .await?
        {
            if now - app.created_at < UNPAID_EXPIRY {
                break;
            }
            if expire(ports.applications, app.id, now).await? {
                report.expired += 1;
            }
        }
    }
    Ok(report)
}

/// Counts the re-drive on the application, then asks for issuance again; nothing if the document
/// came meanwhile.
async fn redrive(
    ports: &Sweeping<'_>,
    id: ApplicationId,
    now: OffsetDateTime,
) -> Result<bool, Error> {
    let app = retry_on_conflict(|| async {
        let Some(mut app) = ports.applications.get(id).await? else {
            return Ok(None);
        };
        if app.status() != Status::Approved {
            return Ok(None);
        }
        app.redrives += 1;
        app.redriven_at = Some(now);
        app.version = ports.applications.update(&app, &[]).await?;
        Ok(Some(app))
    })
    .await?;
    let Some(app) = app else {
        return Ok(false);
    };
    request_issue(ports.queue, &app).await?;
    tracing::warn!(application_id = %id, redrives = app.redrives, "approved without a document: issuance asked again");
    Ok(true)
}

/// Closes the application if it is still unpaid: a payment that won the race keeps it alive.
async fn expire(
    store: &dyn ApplicationStore,
    id: ApplicationId,
    now: OffsetDateTime,
) -> Result<bool, Error> {
    retry_on_conflict(|| async {
        let Some(mut app) = store.get(id).await? else {
            return Ok(false);
        };
        if app.status() != Status::AwaitingPayment {
            return Ok(false);
        }
        let change = app.transition(
            Status::Expired,
            Actor::system("reconcile"),
            now,
            Some("Non payée dans les 7 jours / Not paid within 7 days".into()),
        )?;
        store.update(&app, &[change]).await?;
        tracing::info!(application_id = %id, "unpaid application expired");
        Ok(true)
    })
    .await
}
