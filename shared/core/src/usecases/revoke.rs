//! Revoking an issued document (`POST /v1/documents/{number}/revoke`): a signatory of the office
//! that issued it, or an administrator, with a reason. From then on every verification answers
//! `revoked` with the date; the reason stays with the office and the holder.

use super::idempotency::{self, Idempotency};
use super::{require, retry_on_conflict};
use crate::domain::{
    DocumentNumber, IssuedDocument, OfficeCode, Principal, Revocation, Role, clean_text,
};
use crate::error::Error;
use crate::messages::Msg;
use crate::ports::{ApplicationStore, Clock, DocumentRegistry};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevocationRequest {
    /// Why (at most 500 characters): kept in the audit trail and shown to the holder, never to
    /// verifiers.
    pub reason: Option<String>,
}

/// A signatory answers for the documents of their office; an administrator for all of them.
fn may_revoke(who: &Principal, office: &OfficeCode) -> bool {
    who.role == Role::Admin || who.works_at(office, &[Role::Signatory])
}

/// Revokes the document and answers with its registry entry as it now is. Someone who may not
/// revoke it is told it does not exist (404), as for another office's application.
/// What revoking needs.
pub struct Revoking<'a> {
    pub applications: &'a dyn ApplicationStore,
    pub documents: &'a dyn DocumentRegistry,
    pub clock: &'a dyn Clock,
}

pub async fn revoke(
    ports: &Revoking<'_>,
    who: &Principal,
    number: &str,
    request: &RevocationRequest,
    idempotency: Option<Idempotency<'_>>,
) -> Result<IssuedDocument, Error> {
    require(who, &[Role::Signatory, Role::Admin])?;
    who.second_factor_for_signing()?;
    let number: DocumentNumber = number.parse().map_err(|_| Error::NotFound)?;
    let reason = match request.reason.as_deref().filter(|r| !r.trim().is_empty()) {
        None => return Err(Error::invalid("reason", Msg::ReasonRequired)),
        Some(r) => clean_text(r, 500).map_err(|m| Error::invalid("reason", m))?,
    };
    let document = ports
        .documents
        .document(&number)
        .await?
        .filter(|d| may_revoke(who, &d.office))
        .ok_or(Error::NotFound)?;
    let route = format!("POST /v1/documents/{number}/revoke");
    let now = ports.clock.now();
    idempotency::once(
        ports.applications,
        ports.clock,
        who,
        idempotency,
        &route,
        document.application_id,
        |a| may_revoke(who, &a.office),
        |key| async move {
            retry_on_conflict(|| async {
                let mut doc = ports
                    .documents
                    .document(&number)
                    .await?
                    .ok_or(Error::NotFound)?;
                let mut app = ports
                    .applications
                    .get(doc.application_id)
                    .await?
                    .ok_or(Error::NotFound)?;
                let revocation = Revocation {
                    at: now,
                    by: who.actor(),
                    reason: reason.clone(),
                };
                if !doc.revoke(revocation.clone()) {
                    return Err(Error::Conflict(Msg::AlreadyRevoked));
                }
                let event = app.revoke_document(&revocation)?;
                app.version = ports
                    .documents
                    .revoke(&doc, &app, &[event], key.as_ref())
                    .await?;
                tracing::info!(application = %app.id, number = %number, "document revoked");
                Ok(app)
            })
            .await
        },
    )
    .await?;
    ports
        .documents
        .document(&number)
        .await?
        .ok_or(Error::NotFound)
}
