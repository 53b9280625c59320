//! The domain: what an application is, who asks, what is issued, and the rules between them.
//! Nothing here knows HTTP, SQL or AWS.

mod applicant;
mod application;
mod attachment;
pub mod crossing;
mod document;
mod document_number;
mod event;
mod holder;
mod ids;
mod kind;
mod money;
mod payment;
mod principal;
mod record;
mod seal;
mod status;
mod text;
mod verification_code;
mod workflow;

pub use applicant::{
    Applicant, ApplicantInput, BirthDate, CountryCode, Email, Nina, PersonName, Phone, PlaceName,
    format_iso_date, parse_iso_date,
};
pub use application::{
    Actor, Application, AuditHead, CheckoutRecord, Decision, DecisionOutcome, DocumentRef,
    EntryKind, NewApplication, PaidWith, RefundDue, Refunded, StatusChange,
};
pub use attachment::{Attachment, AttachmentId, AttachmentState, FileType, Refusal, Sha256Hex};
pub use crossing::{Crossing, CrossingRefusal, Direction, VisaTerms};

pub use document::{DocumentStatus, IssuedDocument, Revocation};
pub use document_number::{DocumentNumber, seed as number_seed};
pub use event::{Event, EventType, FEED, ISSUE, NOTIFY, SCREEN, SUBSCRIPTIONS, Subscription};
pub use holder::{Holder, Organisation, Person};
pub use ids::{ApplicationId, OfficeCode, PaymentReference, Subject};
pub use kind::{DocumentKind, KIND_NAME_MAX, KindCode, NumberPrefix};
pub use money::{Currency, Money};
pub use payment::{Payment, PaymentOutcome, PaymentStatus, Provider};
pub use principal::{OfficerName, PartnerState, Principal, Role};
pub use record::{Conviction, ConvictionInput, ExtractRecord, ExtractRecordInput};
pub use seal::{
    GIVEN_NAMES_BYTES, OFFICE_MAX, ORGANISATION_BYTES, RETIREMENT_GRACE, SEAL_PREFIX,
    SURNAME_BYTES, SealClaims, SealError, SealedHolder, VisaClaims, VisaKind, VisaScope, fit,
    seal_in_code, seal_link,
};
pub use status::Status;
pub use text::FieldErrors;
pub use text::{clean as clean_text, rfc3339};
pub use verification_code::VerificationCode;
pub use workflow::{
    Step, StepAct, StepAction, StepOutcome, StepRecord, StepState, Workflow, WorkflowError,
};

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
    /// The person's role acts on no step of this kind that this route does.
    #[error("no {} step of this kind is for this role", action.as_str())]
    NotYourStep { action: StepAction },
    /// The kind's workflow has no step of this action at all: its steps, each with its route.
    #[error("no step of this kind is acted on this way; its steps: {steps}")]
    NoStepOfAction { steps: String },
    /// Propose, then sign: never the same person.
    #[error("step {step} cannot be done by the person who did {of}")]
    SamePerson { step: String, of: String },
    /// A file of that name was accepted already.
    #[error("an attachment of that name is accepted already")]
    AttachmentAccepted,
    /// The step was referred: only the role it went to may act on it.
    #[error("step {step} was referred to another role")]
    Referred { step: String },
}

/// One field that failed to parse, with the path a client can point at (`applicant.surname`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: Msg,
}
