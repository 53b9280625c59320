//! Security screening: the watchlist as ops load it (versioned, every load kept), the matching
//! the `screen` function runs when an application that has a screening step is paid (or
//! answered), and the screening unit's reading and outcome. The applicant never learns of a
//! hit: candidates and outcomes stay on the application for the unit's staff alone.

use super::idempotency::Idempotency;
use super::review::{Deciding, act_on_step};
use super::{parse_id, require, retry_on_conflict};
use crate::catalogue::Catalogue;
use crate::domain::{
    Application, ApplicationId, FieldErrors, Principal, Role, StepAction, StepOutcome, StepState,
    clean_text,
};
use crate::error::Error;
use crate::messages::Msg;
use crate::ports::{ApplicationStore, BlobStore, Clock, StoreError, WatchlistLoad, WatchlistLog};
use crate::screening::{ScreeningDecision, ScreeningRecord, Watchlist};
use serde::Deserialize;
use std::sync::{Arc, Mutex};

/// The roles of the screening unit.
pub const SCREENERS: [Role; 2] = [Role::ScreeningOfficer, Role::ScreeningSupervisor];

/// Why a watchlist file was not loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    List(#[from] crate::screening::WatchlistError),
    #[error(transparent)]
    Service(#[from] Error),
}

/// Where the list lives: its file in the blob store, its loads in the store.
pub struct Watchlists<'a> {
    pub log: &'a dyn WatchlistLog,
    pub blobs: &'a dyn BlobStore,
    pub clock: &'a dyn Clock,
}

/// Loads a list file: refused whole if a row does not read; otherwise stored under its version
/// (the same file loaded twice is the same version) and recorded as the next load, by `by`.
pub async fn load(
    ports: &Watchlists<'_>,
    csv: &[u8],
    by: &str,
) -> Result<WatchlistLoad, LoadError> {
    let list = Watchlist::from_csv(csv)?;
    let object_key = format!("watchlists/{}.csv", list.version);
    ports
        .blobs
        .put_if_absent(&object_key, csv.to_vec(), "text/csv")
        .await
        .map_err(Error::from)?;
    let by = clean_text(by, 80).map_err(|m| Error::invalid("by", m))?;
    loop {
        let last = ports.log.loads(1).await.map_err(Error::from)?;
        let load = WatchlistLoad {
            seq: last.first().map_or(1, |l| l.seq + 1),
            version: list.version.clone(),
            entries: list.entries.len(),
            object_key: object_key.clone(),
            at: ports.clock.now(),
            by: by.clone(),
        };
        match ports.log.record_load(&load).await {
            Ok(()) => {
                tracing::info!(seq = load.seq, version = %load.version, entries = load.entries, "watchlist loaded");
                return Ok(load);
            }
            // Another load took the number: count again.
            Err(StoreError::Duplicate) => continue,
            Err(e) => return Err(Error::from(e).into()),
        }
    }
}

/// What loading `csv` would do, without doing it: the list it is, and its changes against the
/// list in force (none when no list was ever loaded).
pub async fn dry_run(
    ports: &Watchlists<'_>,
    csv: &[u8],
) -> Result<(Watchlist, Option<crate::screening::ListChanges>), LoadError> {
    let list = Watchlist::from_csv(csv)?;
    let current = ListCache::default().current(ports).await?;
    let changes = current.map(|c| list.changes_from(&c));
    Ok((list, changes))
}

/// Puts back in force a list loaded before (by its version, as `guichet watchlist history`
/// lists it): a new load of the same file, recorded with who restored it.
pub async fn restore(
    ports: &Watchlists<'_>,
    version: &str,
    by: &str,
) -> Result<WatchlistLoad, LoadError> {
    let loads = ports.log.loads(10_000).await.map_err(Error::from)?;
    let Some(earlier) = loads.iter().find(|l| l.version == version.trim()) else {
        return Err(LoadError::List(crate::screening::WatchlistError::File(
            format!("no load of version {version}: `guichet watchlist history` lists them"),
        )));
    };
    let csv = ports
        .blobs
        .get(&earlier.object_key)
        .await
        .map_err(Error::from)?
        .ok_or_else(|| Error::Internal(format!("{} is gone", earlier.object_key)))?;
    load(ports, &csv, by).await
}

/// The list in force, parsed once per version and kept between messages.
#[derive(Default)]
pub struct ListCache {
    current: Mutex<Option<Arc<Watchlist>>>,
}

impl ListCache {
    /// The latest load's list; `None` when none was ever loaded.
    pub async fn current(&self, ports: &Watchlists<'_>) -> Result<Option<Arc<Watchlist>>, Error> {
        let Some(load) = ports.log.loads(1).await?.into_iter().next() else {
            return Ok(None);
        };
        if let Ok(guard) = self.current.lock()
            && let Some(list) = guard.as_ref().filter(|l| l.version == load.version)
        {
            return Ok(Some(list.clone()));
        }
        let bytes =
            ports.blobs.get(&load.object_key).await?.ok_or_else(|| {
                Error::Internal(format!("watchlist {} has no file", load.version))
            })?;
        let list = Arc::new(
            Watchlist::from_csv(&bytes)
                .map_err(|e| Error::Internal(format!("stored watchlist: {e}")))?,
        );
        if let Ok(mut guard) = self.current.lock() {
            *guard = Some(list.clone());
        }
        Ok(Some(list))
    }
}

/// What the `screen` function needs.
pub struct Screening<'a> {
    pub applications: &'a dyn ApplicationStore,
    pub catalogue: &'a Catalogue,
    pub lists: Watchlists<'a>,
    pub cache: &'a ListCache,
}

/// The names of a workflow's screening steps.
fn screening_steps(kind: &dyn crate::kinds::Kind) -> Vec<String> {
    kind.workflow()
        .steps
        .iter()
        .filter(|s| s.action == StepAction::Screen)
        .map(|s| s.name.clone())
        .collect()
}

/// The screening a corrected identity makes stale: set aside (kept for the unit, with what was
/// decided on it), and the step open again, in the same write as the correction, so nothing can
/// be approved on the old name's clearance.
pub fn reopen_if_renamed(kind: &dyn crate::kinds::Kind, app: &mut Application) {
    let Some((name, birth_year)) = kind.screened(app) else {
        return;
    };
    let stale = app
        .screening
        .as_ref()
        .is_some_and(|r| r.name != name || r.birth_year != birth_year);
    if !stale {
        return;
    }
    if let Some(old) = app.screening.take() {
        app.screenings_before.push(old);
    }
    let steps = screening_steps(kind);
    app.steps.retain(|r| !steps.contains(&r.name));
}

/// Matches the application's traveller against the list in force and records the candidates.
/// Done once per list version: a redelivered message changes nothing; a screening already
/// decided stands on the matching it was decided on (a later list does not reopen it); an
/// undecided one is matched again against a new list, the earlier matching kept beside it.
pub async fn screen(ports: &Screening<'_>, id: ApplicationId) -> Result<bool, Error> {
    let store = ports.applications;
    let Some(app) = store.get(id).await? else {
        return Err(Error::NotFound);
    };
    let kind = super::submit::kind_of(ports.catalogue, &app)?;
    let steps = screening_steps(kind);
    if steps.is_empty() || kind.screened(&app).is_none() {
        return Ok(false);
    }
    let list = ports.cache.current(&ports.lists).await?;
    let version = list.as_ref().map(|l| l.version.clone()).unwrap_or_default();
    let now = ports.lists.clock.now();
    retry_on_conflict(|| async {
        let mut app = store.get(id).await?.ok_or(Error::NotFound)?;
        // The identity as it stands now, not as the message's first read saw it.
        let Some((name, birth_year)) = kind.screened(&app) else {
            return Ok(false);
        };
        let decided = app.steps.iter().any(|r| {
            steps.contains(&r.name) && matches!(r.state, StepState::Done | StepState::Rejected)
        });
        let current = app.screening.as_ref().is_some_and(|r| {
            r.list_version == version && r.name == name && r.birth_year == birth_year
        });
        if current || (decided && app.screening.is_some()) {
            return Ok(false);
        }
        let candidates = list
            .as_ref()
            .map(|l| l.candidates(&name, birth_year))
            .unwrap_or_default();
        if let Some(old) = app.screening.take() {
            app.screenings_before.push(old);
        }
        app.screening = Some(ScreeningRecord {
            list_version: version.clone(),
            screened_at: now,
            name: name.clone(),
            birth_year,
            candidates: candidates.clone(),
            decisions: Vec::new(),
        });
        app.version = store.update(&app, &[]).await?;
        tracing::info!(application_id = %app.id, candidates = candidates.len(), list = %version, "screened");
        Ok(true)
    })
    .await
}

/// What the screening unit reads: the application's matching, its read on record.
pub async fn read(
    store: &dyn ApplicationStore,
    catalogue: &Catalogue,
    clock: &dyn Clock,
    who: &Principal,
    id: &str,
) -> Result<ScreeningRecord, Error> {
    require(who, &SCREENERS)?;
    let app = super::applications::readable(store, catalogue, clock, who, id, "screening").await?;
    app.screening.ok_or(Error::Conflict(Msg::ScreeningPending))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreeningRequest {
    /// `clear`, `refer` (to a screening supervisor) or `deny`.
    pub outcome: Option<String>,
    /// Kept by the screening unit, never shown to the applicant.
    pub reason: Option<String>,
}

/// The screening unit's outcome on the application's screening step.
pub async fn decide(
    ports: &Deciding<'_>,
    who: &Principal,
    id: &str,
    request: &ScreeningRequest,
    idempotency: Option<Idempotency<'_>>,
) -> Result<Application, Error> {
    require(who, &SCREENERS)?;
    let mut errors = FieldErrors::default();
    let outcome = errors.required(
        "outcome",
        request.outcome.as_deref().map(|o| match o {
            "clear" => Ok(StepOutcome::Clear),
            "refer" => Ok(StepOutcome::Refer),
            "deny" => Ok(StepOutcome::Deny),
            _ => Err(Msg::UnknownScreeningOutcome),
        }),
    );
    let reason = request
        .reason
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .and_then(|r| errors.check("reason", clean_text(r, 500)));
    // The supervisor reads why it was referred: a referral says it.
    if outcome == Some(StepOutcome::Refer)
        && request
            .reason
            .as_deref()
            .is_none_or(|r| r.trim().is_empty())
    {
        errors.push("reason", Msg::ReasonRequired);
    }
    errors.into_result()?;
    let outcome = outcome.ok_or_else(|| Error::invalid("outcome", Msg::Required))?;
    parse_id(id)?;
    act_on_step(
        ports,
        who,
        id,
        "screening",
        idempotency,
        |app, _| {
            if app.screening.is_none() {
                return Err(Error::Conflict(Msg::ScreeningPending));
            }
            Ok((outcome, reason.clone(), None))
        },
        |app, at| {
            if let Some(record) = app.screening.as_mut() {
                record.decisions.push(ScreeningDecision {
                    outcome: match outcome {
                        StepOutcome::Clear => "clear",
                        StepOutcome::Refer => "refer",
                        _ => "deny",
                    }
                    .into(),
                    reason: reason.clone(),
                    by: who.actor(),
                    at,
                });
            }
        },
    )
    .await
}
