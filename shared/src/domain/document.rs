//! An issued document, as the registry of issued documents knows it.

use super::{
    Application, ApplicationId, BirthDate, DocumentKind, DocumentNumber, DocumentRef, OfficeCode,
    PersonName,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    Valid,
    Revoked,
}

/// Who the document is about, as much as a verifier may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub surname: PersonName,
    pub given_names: PersonName,
    pub birth_date: BirthDate,
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
}

impl IssuedDocument {
    /// The registry entry of `app`'s document, issued as `document` says, its PDF stored under
    /// `object_key` with the given SHA-256 (hex).
    pub fn new(
        app: &Application,
        document: &DocumentRef,
        object_key: String,
        sha256: String,
    ) -> Self {
        IssuedDocument {
            number: document.number,
            kind: app.kind,
            application_id: app.id,
            office: app.office.clone(),
            holder: Holder {
                surname: app.applicant.surname.clone(),
                given_names: app.applicant.given_names.clone(),
                birth_date: app.applicant.birth_date,
            },
            issued_at: document.issued_at,
            expires_at: document.expires_at,
            status: DocumentStatus::Valid,
            object_key,
            sha256,
        }
    }

    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        self.expires_at.is_some_and(|e| e <= now)
    }
}
