//! Reading applications: the applicant sees their own, staff see their office's. Anything else is
//! "not found", so nobody learns that someone else's application exists.

use super::{parse_id, retry_on_conflict};
use crate::context::Context;
use crate::domain::Application;
use crate::error::Error;
use crate::http::auth::{Principal, Role};
use crate::ports::{AuditEvent, Download};

/// Staff roles that may read an application of their own office.
const READERS: [Role; 2] = [Role::Clerk, Role::Signatory];

pub fn may_read(who: &Principal, app: &Application) -> bool {
    match who.role {
        Role::Applicant => who.subject == app.subject,
        _ => who.works_at(&app.office, &READERS),
    }
}

/// The application if this caller may read it; otherwise, and for an unknown id, not found. A
/// staff read is an audit event chained like any transition, written before the data is shown:
/// if it cannot be recorded, nothing is shown.
async fn readable(
    ctx: &Context,
    who: &Principal,
    id: &str,
    what: &str,
) -> Result<Application, Error> {
    let id = parse_id(id)?;
    retry_on_conflict(|| async {
        let mut app = ctx
            .applications
            .get(id)
            .await?
            .filter(|a| may_read(who, a))
            .ok_or(Error::NotFound)?;
        if !who.role.is_staff() {
            return Ok(app);
        }
        let read = app.read_by(who.actor(), ctx.clock.now(), what);
        app.version = ctx.applications.update(&app, &[read]).await?;
        tracing::info!(application_id = %app.id, role = %who.role, what, "staff read");
        Ok(app)
    })
    .await
}

pub async fn get(
    ctx: &Context,
    who: &Principal,
    id: &str,
) -> Result<(Application, Vec<AuditEvent>), Error> {
    let app = readable(ctx, who, id, "application").await?;
    let history = ctx.applications.history(app.id).await?;
    Ok((app, history))
}

pub async fn list_mine(ctx: &Context, who: &Principal) -> Result<Vec<Application>, Error> {
    who.require(&[Role::Applicant])?;
    Ok(ctx.applications.list_by_subject(&who.subject, 100).await?)
}

/// The issued PDF, for its applicant or the staff of its office.
pub async fn document(
    ctx: &Context,
    who: &Principal,
    id: &str,
) -> Result<(Download, String), Error> {
    let app = readable(ctx, who, id, "document").await?;
    let number = app
        .document
        .as_ref()
        .map(|d| d.number)
        .ok_or(Error::NotFound)?;
    let doc = ctx
        .documents
        .document(&number)
        .await?
        .ok_or(Error::NotFound)?;
    let filename = format!("{number}.pdf");
    let download = ctx
        .blobs
        .download(&doc.object_key, &filename)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((download, filename))
}
