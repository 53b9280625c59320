//! The use cases' error: every failure a caller can meet. `guichet-http` maps it to problem+json
//! in one place; the queue consumers ask it whether to retry.

use crate::domain::{DocumentKind, DomainError, FieldErrors, OfficeCode};
use crate::messages::Msg;
use crate::ports::{BlobError, KeyStoreError, QueueError, RenderError, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The body is not JSON at all, or not the media type the route takes.
    #[error("malformed request: {0}")]
    Malformed(String),
    #[error("invalid input")]
    Invalid(FieldErrors),
    /// A border crossing the visa does not allow: nothing recorded.
    #[error("crossing refused: {}", .0.reason())]
    CrossingRefused(crate::domain::CrossingRefusal),
    /// Nothing to apply for (a traveller who needs no visa): nothing stored, nothing charged.
    #[error("not needed: {}", .0.problem)]
    NotNeeded(crate::kinds::NotNeeded),
    #[error("request body over {limit} bytes")]
    TooLarge { limit: usize },
    /// The body is not of a type the route takes; `accepted` says which it takes, in the words
    /// of the messages (`Msg::MediaTypes`).
    #[error("unsupported media type")]
    UnsupportedMediaType { accepted: &'static [&'static str] },
    #[error("missing or invalid credentials")]
    Unauthenticated,
    /// A payment notice whose signature is missing, wrong or too old: nothing is recorded. Not
    /// `Unauthenticated`, whose message speaks of access tokens, which a provider does not send.
    #[error("payment notice signature: {0:?}")]
    BadSignature(Msg),
    /// Authenticated, but this role may not use this route at all.
    #[error("forbidden")]
    Forbidden,
    /// Allowed to use the route, but not to do this, for the reason said.
    #[error("refused: {0:?}")]
    Refused(Msg),
    /// Unknown, or not the caller's to see: the two are indistinguishable on purpose.
    #[error("not found")]
    NotFound,
    /// The path exists with other methods, listed in `allow`.
    #[error("method not allowed")]
    MethodNotAllowed { allow: &'static str },
    /// The application is not in a status where this is possible.
    #[error("conflict: {0}")]
    Conflict(Msg),
    /// A request that creates something without the `Idempotency-Key` that makes a repeat of
    /// it harmless (428).
    #[error("idempotency key required")]
    IdempotencyKeyRequired,
    /// An answer that would change what the paid fee or the office depends on: the fields it
    /// may not change, each named.
    #[error("fields fixed once paid")]
    FixedOncePaid(FieldErrors),
    /// Too many requests from this client: try again after `retry_after`.
    #[error("rate limited")]
    RateLimited { retry_after: std::time::Duration },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error(transparent)]
    Keys(#[from] KeyStoreError),
    #[error(transparent)]
    Render(#[from] RenderError),
    /// An application names an office the catalogue no longer lists: an operator's edit.
    #[error("office {0} is not in the catalogue")]
    UnknownOffice(OfficeCode),
    /// Six digits of sequence per kind and year were not enough.
    #[error("{kind} numbers exhausted for {year}")]
    NumbersExhausted { kind: DocumentKind, year: i32 },
    /// A payment notice whose provider could not confirm it (its check API down, or the payment
    /// not final yet): nothing recorded; answered 503 so the provider sends it again.
    #[error("payment not confirmed by its provider: {0}")]
    Unconfirmed(String),
    /// A provider's API (payments; email and SMS for notifications) did not answer, or answered
    /// something we cannot use: nothing was charged or sent, the call may be tried again.
    #[error("provider unavailable: {0}")]
    ProviderUnavailable(String),
    /// A broken invariant of the code itself.
    #[error("internal: {0}")]
    Internal(String),
}

impl Error {
    pub fn invalid(field: &str, message: Msg) -> Self {
        let mut e = FieldErrors::default();
        e.push(field, message);
        Error::Invalid(e)
    }

    /// Whether the same call may succeed later: a backend that was throttled, timed out or
    /// unavailable, or a write that kept losing races. Everything else will fail the same way.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Store(e) => e.is_retryable(),
            Error::Queue(e) => e.is_retryable(),
            Error::Blob(BlobError::Fault(f)) => f.is_retryable(),
            Error::Keys(KeyStoreError::Fault(f)) => f.is_retryable(),
            Error::RateLimited { .. } | Error::ProviderUnavailable(_) | Error::Unconfirmed(_) => {
                true
            }
            _ => false,
        }
    }

    /// A failure of the service rather than of the request: logged as an error, answered 503.
    pub fn is_ours(&self) -> bool {
        matches!(
            self,
            Error::Store(_)
                | Error::Queue(_)
                | Error::Blob(_)
                | Error::Keys(_)
                | Error::Render(_)
                | Error::UnknownOffice(_)
                | Error::NumbersExhausted { .. }
                | Error::Internal(_)
                // A provider's outage is ops' to see, not the citizen's fault.
                | Error::ProviderUnavailable(_)
        )
    }
}

impl From<FieldErrors> for Error {
    fn from(e: FieldErrors) -> Self {
        Error::Invalid(e)
    }
}

impl From<DomainError> for Error {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::IllegalTransition { from, .. } => Error::Conflict(Msg::WrongStatus {
                status: from.as_str(),
            }),
            DomainError::Invalid(errors) => Error::Invalid(errors),
            DomainError::NoDocument { status } => Error::Conflict(Msg::WrongStatus {
                status: status.as_str(),
            }),
            DomainError::NotYourStep { action } => Error::Refused(match action {
                crate::domain::StepAction::Decide => Msg::NotADecider,
                crate::domain::StepAction::Sign => Msg::NotASignatory,
                crate::domain::StepAction::Screen => Msg::NotAScreener,
            }),
            DomainError::NoStepOfAction { steps } => {
                Error::Refused(Msg::NoStepOfThatKind { steps })
            }
            DomainError::Referred { .. } => Error::Refused(Msg::StepReferred),
            DomainError::SamePerson { .. } => Error::Refused(Msg::SamePerson),
            DomainError::AttachmentAccepted => Error::Conflict(Msg::AttachmentAccepted),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{Fault, FaultKind};

    #[test]
    fn a_throttled_or_late_backend_is_retried_and_a_refusal_is_not() {
        let fault = |kind| Error::Store(StoreError::Fault(Fault::new(kind, "x")));
        assert!(fault(FaultKind::Throttled).is_retryable());
        assert!(fault(FaultKind::Timeout).is_retryable());
        assert!(fault(FaultKind::Unavailable).is_retryable());
        assert!(!fault(FaultKind::Refused).is_retryable());
        assert!(!fault(FaultKind::Corrupt).is_retryable());
        assert!(Error::Store(StoreError::Conflict).is_retryable());
        assert!(!Error::NotFound.is_retryable());
        assert!(!Error::Malformed("x".into()).is_retryable());
    }
}
