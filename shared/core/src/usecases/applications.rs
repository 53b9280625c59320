//! Reading applications: the applicant sees their own, staff see their office's. Anything else is
//! "not found", so nobody learns that someone else's application exists.

use super::{parse_id, require, retry_on_conflict};
use crate::catalogue::Catalogue;
use crate::domain::{Application, Principal, Role};
use crate::error::Error;
use crate::messages::Msg;
use crate::ports::{ApplicationStore, AuditEvent, BlobStore, Clock, DocumentRegistry, Download};

/// The applicant reads their own; staff, what their role acts on in their office (or in the
/// central unit a step names): a consular officer of another mission sees nothing.
pub fn may_read(catalogue: &Catalogue, who: &Principal, app: &Application) -> bool {
    match who.role {
        Role::Applicant => who.subject == app.subject,
        // A court's clerks and signatories read what their office holds, whichever of them its
        // kind's workflow names (the signatory revokes what a clerk alone decided).
        Role::Clerk | Role::Signatory => who.works_at(&app.office, &[Role::Clerk, Role::Signatory]),
        _ => super::review::sees(catalogue, who, app),
    }
}

/// The application if this caller may read it; otherwise, and for an unknown id, not found. A
/// staff read is an audit event chained like any transition, written before the data is shown:
/// if it cannot be recorded, nothing is shown.
pub(crate) async fn readable(
    store: &dyn ApplicationStore,
    catalogue: &Catalogue,
    clock: &dyn Clock,
    who: &Principal,
    id: &str,
    what: &str,
) -> Result<Application, Error> {
    let id = parse_id(id)?;
    retry_on_conflict(|| async {
        let mut app = store
            .get(id)
            .await?
            .filter(|a| may_read(catalogue, who, a))
            .ok_or(Error::NotFound)?;
        if !who.role.is_staff() {
            return Ok(app);
        }
        let read = app.read_by(who.actor(), clock.now(), what);
        app.version = store.update(&app, &[read]).await?;
        tracing::info!(application_id = %app.id, role = %who.role, what, "staff read");
        Ok(app)
    })
    .await
}

pub async fn get(
    store: &dyn ApplicationStore,
    catalogue: &Catalogue,
    clock: &dyn Clock,
    who: &Principal,
    id: &str,
) -> Result<(Application, Vec<AuditEvent>), Error> {
    let app = readable(store, catalogue, clock, who, id, "application").await?;
    let history = store.history(app.id).await?;
    Ok((app, history))
}

/// The most a page holds, and what a list without `limit` holds (as before pages existed).
pub const PAGE_MAX: usize = 100;

/// A page of the applicant's own applications, newest first, and the cursor of the next page
/// when more exist.
pub async fn list_mine(
    store: &dyn ApplicationStore,
    who: &Principal,
    limit: Option<&str>,
    cursor: Option<&str>,
) -> Result<(Vec<Application>, Option<String>), Error> {
    require(who, &[Role::Applicant])?;
    let limit = match limit {
        None => PAGE_MAX,
        Some(l) => l
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=PAGE_MAX).contains(n))
            .ok_or_else(|| Error::invalid("limit", Msg::PageLimit { max: PAGE_MAX }))?,
    };
    let before = cursor.map(read_cursor).transpose()?;
    let mut page = store
        .list_by_subject(&who.subject, before, limit + 1)
        .await?;
    let next = (page.len() > limit).then(|| {
        page.truncate(limit);
        page.last()
            .map(|a| format!("{}.{}", a.created_at.unix_timestamp_nanos(), a.id))
    });
    Ok((page, next.flatten()))
}

/// A cursor this service gave: the creation time (ns) and id of a page's last application.
fn read_cursor(cursor: &str) -> Result<crate::ports::Before, Error> {
    let invalid = || Error::invalid("cursor", Msg::InvalidPageCursor);
    let (at, id) = cursor.trim().split_once('.').ok_or_else(invalid)?;
    let at = at
        .parse::<i128>()
        .ok()
        .and_then(|ns| time::OffsetDateTime::from_unix_timestamp_nanos(ns).ok())
        .ok_or_else(invalid)?;
    let id = id.parse().map_err(|_| invalid())?;
    Ok(crate::ports::Before { at, id })
}

/// Where an issued document is read from.
pub struct DocumentFiles<'a> {
    pub applications: &'a dyn ApplicationStore,
    pub documents: &'a dyn DocumentRegistry,
    pub blobs: &'a dyn BlobStore,
    pub catalogue: &'a Catalogue,
    pub clock: &'a dyn Clock,
}

/// The issued PDF, for its applicant or the staff of its office.
pub async fn document(
    ports: &DocumentFiles<'_>,
    who: &Principal,
    id: &str,
) -> Result<(Download, String), Error> {
    let app = readable(
        ports.applications,
        ports.catalogue,
        ports.clock,
        who,
        id,
        "document",
    )
    .await?;
    let number = app
        .document
        .as_ref()
        .map(|d| d.number)
        .ok_or(Error::NotFound)?;
    let doc = ports
        .documents
        .document(&number)
        .await?
        .ok_or(Error::NotFound)?;
    let filename = format!("{number}.pdf");
    let download = ports
        .blobs
        .download(&doc.object_key, &filename)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((download, filename))
}
