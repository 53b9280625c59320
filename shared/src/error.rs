//! The library's error: every failure a handler can meet, mapped to HTTP in one place
//! (`http::problem`).

use crate::domain::{DomainError, FieldErrors};
use crate::messages::Msg;
use crate::ports::{BlobError, QueueError, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The body is not JSON at all, or not the media type the route takes.
    #[error("malformed request: {0}")]
    Malformed(String),
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("request body over {limit} bytes")]
    TooLarge { limit: usize },
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("missing or invalid credentials")]
    Unauthenticated,
    /// Authenticated, but this role may not use this route at all.
    #[error("forbidden")]
    Forbidden,
    /// Unknown, or not the caller's to see: the two are indistinguishable on purpose.
    #[error("not found")]
    NotFound,
    /// The path exists with other methods, listed in `allow`.
    #[error("method not allowed")]
    MethodNotAllowed { allow: &'static str },
    /// The application is not in a status where this is possible.
    #[error("conflict: {0}")]
    Conflict(Msg),
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("queue: {0}")]
    Queue(#[from] QueueError),
    #[error("blob store: {0}")]
    Blob(#[from] BlobError),
    #[error("internal: {0}")]
    Internal(String),
    /// Too many requests from this client: try again after `retry_after`.
    #[error("rate limited")]
    RateLimited { retry_after: std::time::Duration },
}

impl Error {
    pub fn invalid(field: &str, message: Msg) -> Self {
        let mut e = FieldErrors::default();
        e.push(field, message);
        Error::Invalid(e)
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
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
