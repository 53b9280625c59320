//! An issued document, as the registry of issued documents knows it.

use super::{
    Actor, Application, ApplicationId, DocumentKind, DocumentNumber, DocumentRef, Holder,
    OfficeCode,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    Valid,
    Revoked,
}

/// Why and when a document stopped being valid. The reason is for the office and the holder; a
/// verifier is told only that it is revoked and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub by: Actor,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedDocument {
    pub number: DocumentNumber,
    pub kind: DocumentKind,
    pub application_id: ApplicationId,
    pub office: OfficeCode,
    pub holder: Holder,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    pub status: DocumentStatus,
    /// Where the PDF is kept in the documents store.
    pub object_key: String,
    /// SHA-256 of the PDF bytes, hex: says whether a file is byte for byte the issued one.
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation: Option<Revocation>,
    /// The hash of the verification code printed beside the number
    /// (`VerificationCode::hash`); none on documents issued before codes existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_hash: Option<String>,
    /// The id of the seal key that sealed it; absent on documents issued before it was kept
    /// (the key then is the one whose period covers the date of issue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_by: Option<String>,
}

impl IssuedDocument {
    /// The registry entry of `app`'s document about `holder`, issued as `document` says, its
    /// PDF stored under `object_key` with the given SHA-256 (hex).
    pub fn new(
        app: &Application,
        holder: Holder,
        document: &DocumentRef,
        object_key: String,
        sha256: String,
    ) -> Self {
        IssuedDocument {
            number: document.number,
            kind: app.kind,
            application_id: app.id,
            office: app.office.clone(),
            holder,
            issued_at: document.issued_at,
            expires_at: document.expires_at,
            status: DocumentStatus::Valid,
            object_key,
            sha256,
            revocation: None,
            code_hash: document.code.as_ref().map(|c| c.hash(&document.number)),
            sealed_by: None,
        }
    }

    /// Whether `code` is the one printed on this document, compared in constant time.
    pub fn has_code(&self, code: &super::VerificationCode) -> bool {
        let Some(kept) = &self.code_hash else {
            return false;
        };
        let given = code.hash(&self.number);
        kept.len() == given.len()
            && kept
                .bytes()
                .zip(given.bytes())
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0
    }

    /// Revokes a valid document; `false` when it was revoked already (the first revocation stands).
    pub fn revoke(&mut self, revocation: Revocation) -> bool {
        if self.revocation.is_some() || self.status == DocumentStatus::Revoked {
            return false;
        }
        self.status = DocumentStatus::Revoked;
        self.revocation = Some(revocation);
        true
    }

    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        self.expires_at.is_some_and(|e| e <= now)
    }
}
