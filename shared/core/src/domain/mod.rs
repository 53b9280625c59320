//! The domain: what an application is, who asks, what is issued, and the rules between them.
//! Nothing here knows HTTP, SQL or AWS.

mod applicant;
mod application;
mod document;
mod document_number;
mod event;
mod ids;
mod kind;
mod money;
mod payment;
mod principal;
mod record;
mod seal;
mod status;
mod text;

pub use applicant::{
    Applicant, ApplicantInput, BirthDate, CountryCode, Email, Nina, PersonName, Phone,
};
pub use application::{
    Actor, Application, AuditHead, Decision, DecisionOutcome, DocumentRef, EntryKind,
    NewApplication, StatusChange,
};
pub use document::{DocumentStatus, Holder, IssuedDocument, Revocation};
pub use document_number::DocumentNumber;
pub use event::{Event, EventType, ISSUE, SUBSCRIPTIONS, Subscription};
pub use ids::{ApplicationId, OfficeCode, PaymentReference, Subject};
pub use kind::DocumentKind;
pub use money::{Currency, Money};
pub use payment::{Payment, PaymentOutcome, PaymentStatus, Provider};
pub use principal::{Principal, Role};
pub use record::{Conviction, ConvictionInput, ExtractRecord, ExtractRecordInput};
pub use seal::{
    GIVEN_NAMES_BYTES, OFFICE_MAX, SEAL_PREFIX, SURNAME_BYTES, SealClaims, SealError, fit,
};
pub use status::Status;
pub use text::FieldErrors;
pub use text::{clean as clean_text, rfc3339};

use crate::messages::Msg;

/// A rule of the domain was broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("illegal transition from {from} to {to}")]
    IllegalTransition { from: Status, to: Status },
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("the application has no issued document")]
    NoDocument { status: Status },
}

/// One field that failed to parse, with the path a client can point at (`applicant.surname`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: Msg,
}
