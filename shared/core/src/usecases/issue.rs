//! The issue step: an approved application becomes a sealed PDF in the documents store.
//!
//! Safe to run any number of times on the same request. The number and the date are fixed on
//! the application first (a conditional write), the PDF is stored only if absent, and the
//! registry entry goes in with the move to `issued` in one write; whichever run gets there
//! first wins, and every later run finds the document issued and stops.

use super::retry_on_conflict;
use crate::catalogue::Catalogue;
use crate::domain::{
    Actor, Application, ApplicationId, DocumentNumber, DocumentRef, IssuedDocument, SealClaims,
    Status,
};
use crate::error::Error;
use crate::ports::{
    ApplicationStore, BlobStore, Clock, DocumentRegistry, DocumentRenderer, Printable, Sealer,
    StoreError, Uploads,
};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueOutcome {
    Issued(DocumentNumber),
    /// Issued by an earlier run: nothing to do.
    AlreadyIssued(DocumentNumber),
    /// Not approved (rejected meanwhile, or a stray message): nothing to issue.
    NotApproved(Status),
}

/// What issuing needs.
pub struct Issuing<'a> {
    pub applications: &'a dyn ApplicationStore,
    pub documents: &'a dyn DocumentRegistry,
    pub blobs: &'a dyn BlobStore,
    pub catalogue: &'a Catalogue,
    pub sealer: &'a dyn Sealer,
    pub renderer: &'a dyn DocumentRenderer,
    pub clock: &'a dyn Clock,
    /// Where the photo a document prints was sent.
    pub uploads: &'a dyn Uploads,
}

pub async fn issue(ports: &Issuing<'_>, id: ApplicationId) -> Result<IssueOutcome, Error> {
    let (app, reserved) = match reserve_number(ports, id).await? {
        Reserved::Ready(app, doc) => (app, doc),
        Reserved::Done(outcome) => return Ok(outcome),
    };
    let office = ports
        .catalogue
        .office(&app.office)
        .ok_or_else(|| Error::UnknownOffice(app.office.clone()))?;
    let kind = super::submit::kind_of(ports.catalogue, &app)?;
    let entry = ports
        .catalogue
        .entry(app.kind)
        .ok_or_else(|| Error::Internal(format!("no catalogue entry for {}", app.kind)))?;
    let holder = kind.holder(&app);
    let mut claims = SealClaims::for_document(&app, &holder, &reserved, kind.names().code);
    claims.visa = kind.visa_claims(&app);
    let seal = ports.sealer.seal(&claims);
    // What the document says is what the office approved; there is no default content, so a
    // kind approved without any is never issued as something else.
    let content = app
        .decision
        .as_ref()
        .and_then(|d| d.content.as_ref())
        .ok_or_else(|| Error::Internal(format!("application {id} approved without content")))?;
    // The photo the kind prints, as the check step accepted it.
    let portrait = match kind.portrait().and_then(|name| {
        app.attachments
            .iter()
            .find(|a| a.name == name && a.state == crate::domain::AttachmentState::Accepted)
    }) {
        Some(a) => ports
            .uploads
            .read(&a.object_key, crate::kinds::MAX_UPLOAD)
            .await?
            .map(|(bytes, _)| bytes),
        None => None,
    };
    // A document that prints a photo is never issued without it.
    if let (Some(name), None) = (kind.portrait(), &portrait) {
        return Err(Error::Internal(format!(
            "application {id}: no {name} to print (not accepted, or gone from the uploads store)"
        )));
    }
    let pdf = ports.renderer.render(&Printable {
        application: &app,
        template: kind.template(),
        title: &kind.names().title,
        content,
        holder: &holder,
        office,
        entry,
        document: &reserved,
        seal: &seal,
        signer: ports.sealer,
        portrait: portrait.as_deref(),
    })?;
    let object_key = format!(
        "documents/{}/{}.pdf",
        reserved.number.year(),
        reserved.number
    );
    // If an earlier run stored a PDF, that file is the document: hash what is stored, not ours.
    let stored = ports
        .blobs
        .put_if_absent(&object_key, pdf, "application/pdf")
        .await?;
    let mut doc = IssuedDocument::new(
        &app,
        holder,
        &reserved,
        object_key,
        hex::encode(Sha256::digest(&stored)),
    );
    doc.sealed_by = Some(ports.sealer.kid());
    retry_on_conflict(|| async {
        let mut current = ports
            .applications
            .get(id)
            .await?
            .ok_or(Error::NotFound)?;
        if current.status() == Status::Issued {
            return Ok(IssueOutcome::AlreadyIssued(reserved.number));
        }
        let change = current.transition(
            Status::Issued,
            Actor::system("issue"),
            ports.clock.now(),
            None,
        )?;
        match ports.documents.register(&doc, &current, &[change]).await {
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

/// A document is never issued on terms that cost more than what was paid: the fee its details
/// cost now against the fee of the terms kept when it was asked, both read from today's
/// catalogue (a price changed since is not the applicant's to pay).
fn paid_for(catalogue: &Catalogue, app: &Application) -> Result<(), Error> {
    let Some(service) = catalogue.service(app.kind) else {
        return Ok(());
    };
    if app.fee_terms.is_empty() {
        return Ok(());
    }
    let paid = service.fee_for_terms(&app.fee_terms);
    let asked = service.fee_for(&app.details);
    if asked.currency != paid.currency || asked.amount > paid.amount {
        tracing::error!(application_id = %app.id, "approved on terms that cost more than was paid: not issued");
        return Err(Error::Conflict(crate::messages::Msg::TermsExceedPayment));
    }
    Ok(())
}

enum Reserved {
    Ready(Box<Application>, DocumentRef),
    Done(IssueOutcome),
}

/// Fixes the number and date on the application, once. A lost race leaves a gap in the
/// sequence, never two numbers on one document.
async fn reserve_number(ports: &Issuing<'_>, id: ApplicationId) -> Result<Reserved, Error> {
    retry_on_conflict(|| async {
        let mut app = ports.applications.get(id).await?.ok_or(Error::NotFound)?;
        match (app.status(), &app.document) {
            (Status::Issued, Some(d)) => {
                return Ok(Reserved::Done(IssueOutcome::AlreadyIssued(d.number)));
            }
            (Status::Approved, Some(d)) => {
                let d = d.clone();
                return Ok(Reserved::Ready(Box::new(app), d));
            }
            (Status::Approved, None) => paid_for(ports.catalogue, &app)?,
            (other, _) => return Ok(Reserved::Done(IssueOutcome::NotApproved(other))),
        }
        let now = ports.clock.now();
        let exhausted = || Error::NumbersExhausted {
            kind: app.kind,
            year: now.year(),
        };
        let year = u16::try_from(now.year()).map_err(|_| exhausted())?;
        let kind = super::submit::kind_of(ports.catalogue, &app)?;
        let prefix = kind.names().prefix;
        let sequence = ports.documents.next_sequence(prefix, year).await?;
        let number = DocumentNumber::new(prefix, year, sequence).ok_or_else(exhausted)?;
        let validity = ports
            .catalogue
            .service(app.kind)
            .and_then(|s| s.validity_days);
        // A kind whose content says until when (a visa) is valid to the end of that day (UTC),
        // which is the day its seal's expiry names.
        let until = app
            .decision
            .as_ref()
            .and_then(|d| d.content.as_ref())
            .and_then(|c| kind.expires(c))
            .and_then(|d| d.with_hms(23, 59, 59).ok())
            .map(|d| d.assume_utc());
        let reserved = DocumentRef {
            number,
            issued_at: now,
            expires_at: until
                .or_else(|| validity.map(|days| now + time::Duration::days(i64::from(days)))),
            revoked_at: None,
            code: Some(
                crate::domain::VerificationCode::generate()
                    .map_err(|e| Error::Internal(format!("no randomness for a code: {e}")))?,
            ),
        };
        app.document = Some(reserved.clone());
        app.version = ports.applications.update(&app, &[]).await?;
        Ok(Reserved::Ready(Box::new(app), reserved))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DocumentKind;
    use serde_json::json;

    /// Whatever an answer did, a visa approved on terms dearer than those priced is not issued;
    /// the same terms, or cheaper ones, are.
    #[test]
    fn no_document_on_terms_that_cost_more_than_was_paid() {
        let catalogue = Catalogue::parse(crate::catalogue::DEFAULT_JSON).unwrap();
        let visa = catalogue.service(DocumentKind::VISA).unwrap();
        let transit = json!({"visa_type": "transit", "scope": "national", "entries": "single"});
        let business = json!({"visa_type": "business", "scope": "national", "entries": "multiple"});
        let mut app = Application::example();
        app.kind = DocumentKind::VISA;
        app.fee_terms = visa.fee_terms(&transit);
        app.details = business;
        assert!(matches!(
            paid_for(&catalogue, &app),
            Err(Error::Conflict(crate::messages::Msg::TermsExceedPayment))
        ));
        app.details = transit;
        assert!(paid_for(&catalogue, &app).is_ok());
        // Applications made before the terms were kept are not held to them.
        app.fee_terms.clear();
        app.details = json!({"visa_type": "business", "scope": "national", "entries": "multiple"});
        assert!(paid_for(&catalogue, &app).is_ok());
    }
}
