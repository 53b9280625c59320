//! The issue step: an approved application becomes a sealed PDF in the documents store.
//!
//! Safe to run any number of times on the same request. The number and the date are fixed on
//! the application first (a conditional write), the PDF is stored only if absent, and the
//! registry entry goes in with the move to `issued` in one write; whichever run gets there
//! first wins, and every later run finds the document issued and stops.

use super::retry_on_conflict;
use crate::context::Context;
use crate::domain::{
    Actor, Application, ApplicationId, DocumentNumber, DocumentRef, IssuedDocument, Status,
};
use crate::error::Error;
use crate::pdf::{ExtractContent, render_extract};
use crate::ports::StoreError;
use crate::seal::SealClaims;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueOutcome {
    Issued(DocumentNumber),
    /// Issued by an earlier run: nothing to do.
    AlreadyIssued(DocumentNumber),
    /// Not approved (rejected meanwhile, or a stray message): nothing to issue.
    NotApproved(Status),
}

pub async fn issue(ctx: &Context, id: ApplicationId) -> Result<IssueOutcome, Error> {
    let app = reserve_number(ctx, id).await?;
    let (app, reserved) = match app {
        Reserved::Ready(app, doc) => (app, doc),
        Reserved::Done(outcome) => return Ok(outcome),
    };
    let office = ctx
        .catalogue
        .office(&app.office)
        .ok_or_else(|| Error::Internal(format!("office {} is not in the catalogue", app.office)))?;
    let claims = SealClaims::for_document(&app, &reserved);
    let seal = ctx.seal_keys.seal(&claims);
    let record = app
        .decision
        .as_ref()
        .and_then(|d| d.record.clone())
        .unwrap_or_default();
    let pdf = render_extract(
        &ctx.fonts,
        &ExtractContent {
            application: &app,
            record: &record,
            office,
            document: &reserved,
            seal: &seal,
            verify_url: &ctx.config.verify_url,
        },
    )
    .map_err(Error::Internal)?;
    let object_key = format!(
        "documents/{}/{}.pdf",
        reserved.number.year(),
        reserved.number
    );
    // If an earlier run stored a PDF, that file is the document: hash what is stored, not ours.
    let stored = ctx
        .blobs
        .put_if_absent(&object_key, pdf, "application/pdf")
        .await?;
    let doc = IssuedDocument::new(
        &app,
        &reserved,
        object_key,
        hex::encode(Sha256::digest(&stored)),
    );
    retry_on_conflict(|| async {
        let mut current = ctx.applications.get(id).await?.ok_or(Error::NotFound)?;
        if current.status() == Status::Issued {
            return Ok(IssueOutcome::AlreadyIssued(reserved.number));
        }
        let change = current.transition(Status::Issued, Actor::system("issue"), ctx.clock.now(), None)?;
        match ctx.documents.register(&doc, &current, &[change]).await {
            Ok(()) => {
                tracing::info!(application_id = %id, document = %reserved.number, "document issued");
                Ok(IssueOutcome::Issued(reserved.number))
            }
            Err(StoreError::Duplicate) => Ok(IssueOutcome::AlreadyIssued(reserved.number)),
            Err(e) => Err(e.into()),
        }
    })
    .await
}

enum Reserved {
    Ready(Box<Application>, DocumentRef),
    Done(IssueOutcome),
}

/// Fixes the number and date on the application, once. A lost race leaves a gap in the
/// sequence, never two numbers on one document.
async fn reserve_number(ctx: &Context, id: ApplicationId) -> Result<Reserved, Error> {
    retry_on_conflict(|| async {
        let mut app = ctx.applications.get(id).await?.ok_or(Error::NotFound)?;
        match (app.status(), &app.document) {
            (Status::Issued, Some(d)) => {
                return Ok(Reserved::Done(IssueOutcome::AlreadyIssued(d.number)));
            }
            (Status::Approved, Some(d)) => {
                let d = d.clone();
                return Ok(Reserved::Ready(Box::new(app), d));
            }
            (Status::Approved, None) => {}
            (other, _) => return Ok(Reserved::Done(IssueOutcome::NotApproved(other))),
        }
        let now = ctx.clock.now();
        let year =
            u16::try_from(now.year()).map_err(|_| Error::Internal("year out of range".into()))?;
        let sequence = ctx.documents.next_sequence(app.kind, year).await?;
        let number = DocumentNumber::new(app.kind, year, sequence)
            .ok_or_else(|| Error::Internal(format!("{} numbers exhausted for {year}", app.kind)))?;
        let validity = ctx
            .catalogue
            .service(app.kind)
            .and_then(|s| s.validity_days);
        let reserved = DocumentRef {
            number,
            issued_at: now,
            expires_at: validity.map(|days| now + time::Duration::days(i64::from(days))),
            revoked_at: None,
        };
        app.document = Some(reserved.clone());
        app.version = ctx.applications.update(&app, &[]).await?;
        Ok(Reserved::Ready(Box::new(app), reserved))
    })
    .await
}
