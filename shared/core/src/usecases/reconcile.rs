//! The scheduled sweep that keeps applications from getting stuck between steps.
//!
//! An approval's message is written with it (the outbox), so nothing is lost between the two;
//! but an issue request can still end in the dead letters (a long outage, a document that
//! cannot be drawn), and the forwarder itself can stall. The sweep is the safety net: it hands
//! on what the outbox has held for more than a minute, and asks again for the document of an
//! application approved too long ago (issuing is idempotent, so asking twice issues once). It
//! also closes applications left unpaid for a week, so the work queue only holds what someone
//! can still act on; a payment that arrives afterwards is recorded for refund by the payment step.

use super::forward::forward_pending;
use super::retry_on_conflict;
use crate::catalogue::Catalogue;
use crate::domain::{Actor, ApplicationId, Status};
use crate::error::Error;
use crate::ports::{ApplicationStore, EventBus, Outbox};
use crate::settings::ReconcileSettings;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

/// How long an application waits for its payment.
pub const UNPAID_EXPIRY: Duration = Duration::days(7);
/// Per office and status per run; the next run takes the rest.
const BATCH: usize = 200;
/// An event the outbox still holds after this long was missed by the forwarder.
const STALLED: Duration = Duration::minutes(1);

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    /// Events the forwarder had left in the outbox, handed on.
    pub forwarded: u32,
    /// Approved applications whose issuance was asked for again.
    pub redriven: u32,
    /// Approved applications asked for too often: left to a person, logged as errors.
    pub given_up: u32,
    /// Unpaid applications closed.
    pub expired: u32,
    /// Trails whose end went into an audit checkpoint.
    pub anchored: u32,
}

/// What the sweep needs.
pub struct Sweeping<'a> {
    pub applications: &'a dyn ApplicationStore,
    pub outbox: &'a dyn Outbox,
    pub bus: &'a dyn EventBus,
    pub catalogue: &'a Catalogue,
    pub settings: &'a ReconcileSettings,
}

pub async fn reconcile(
    ports: &Sweeping<'_>,
    now: OffsetDateTime,
) -> Result<ReconcileReport, Error> {
    let mut report = ReconcileReport::default();
    let forwarded = forward_pending(ports.outbox, ports.bus, now - STALLED, 1000).await?;
    if forwarded > 0 {
        tracing::warn!(forwarded, "events left in the outbox were handed on");
    }
    report.forwarded = u32::try_from(forwarded).unwrap_or(u32::MAX);
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

/// Asks again for the document, counted on the application: the request is an event written with
/// the count (the outbox). Nothing if the document came meanwhile.
async fn redrive(
    ports: &Sweeping<'_>,
    id: ApplicationId,
    now: OffsetDateTime,
) -> Result<bool, Error> {
    let redrives = retry_on_conflict(|| async {
        let Some(mut app) = ports.applications.get(id).await? else {
            return Ok(None);
        };
        if app.status() != Status::Approved {
            return Ok(None);
        }
        let again = app.redrive(now)?;
        ports.applications.update(&app, &[again]).await?;
        Ok(Some(app.redrives))
    })
    .await?;
    let Some(redrives) = redrives else {
        return Ok(false);
    };
    tracing::warn!(application_id = %id, redrives, "approved without a document: issuance asked again");
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
