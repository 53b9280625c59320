//! How long offices take: from payment to decision, per office, against a target (a visa's is
//! 72 hours, as India's e-Visa promises). Read from the audit trails, which hold every move with
//! its time, so the figure is the record's and needs nothing written besides.

use crate::domain::{DocumentKind, OfficeCode, Status};
use crate::error::Error;
use crate::ports::ApplicationStore;
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};

/// One office's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeTimes {
    pub office: OfficeCode,
    /// Paid and decided (approved or rejected).
    pub decided: usize,
    pub median_hours: f64,
    pub p90_hours: f64,
    /// Decided within the target.
    pub within_target: usize,
    /// Paid, not decided yet, and past the target already.
    pub late_pending: usize,
}

/// When an application was paid and when it was decided, from its trail.
fn times(history: &[crate::ports::AuditEvent]) -> (Option<OffsetDateTime>, Option<OffsetDateTime>) {
    let paid = history
        .iter()
        .find(|e| {
            e.change.from == Status::AwaitingPayment
                && matches!(e.change.to, Status::InReview | Status::NeedsInfo)
        })
        .map(|e| e.change.at);
    let decided = history
        .iter()
        .find(|e| matches!(e.change.to, Status::Approved | Status::Rejected))
        .map(|e| e.change.at);
    (paid, decided)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Every office's time from payment to decision for `kind`, against `target`, as of `now`.
pub async fn decision_times(
    store: &dyn ApplicationStore,
    kind: DocumentKind,
    target: Duration,
    now: OffsetDateTime,
) -> Result<Vec<OfficeTimes>, Error> {
    let mut by_office: BTreeMap<OfficeCode, (Vec<f64>, usize)> = BTreeMap::new();
    for id in store.application_ids().await? {
        let Some(app) = store.get(id).await?.filter(|a| a.kind == kind) else {
            continue;
        };
        let history = store.history(id).await?;
        let entry = by_office.entry(app.office.clone()).or_default();
        match times(&history) {
            (Some(paid), Some(decided)) => entry.0.push((decided - paid).as_seconds_f64() / 3600.0),
            (Some(paid), None) if app.status().is_under_review() && now - paid > target => {
                entry.1 += 1;
            }
            _ => {}
        }
    }
    let target_hours = target.as_seconds_f64() / 3600.0;
    Ok(by_office
        .into_iter()
        .map(|(office, (mut hours, late_pending))| {
            hours.sort_by(f64::total_cmp);
            OfficeTimes {
                office,
                decided: hours.len(),
                median_hours: percentile(&hours, 0.5),
                p90_hours: percentile(&hours, 0.9),
                within_target: hours.iter().filter(|h| **h <= target_hours).count(),
                late_pending,
            }
        })
        .collect())
}
