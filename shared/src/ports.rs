//! The traits the domain needs from the outside world. Adapters live in `local/` (one machine)
//! and, later, `aws/`; handlers only ever see these.

use crate::domain::{
    Application, ApplicationId, DocumentKind, DocumentNumber, IssuedDocument, OfficeCode, Payment,
    PaymentReference, Provider, Status, StatusChange, Subject,
};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The item changed since it was read (or already exists): read again and retry.
    #[error("write conflict")]
    Conflict,
    /// An item with this key exists already (a replayed webhook, a reused idempotency key).
    #[error("already exists")]
    Duplicate,
    #[error("storage backend: {0}")]
    Backend(String),
}

/// One entry of an application's audit trail, chained to the one before by hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub seq: u64,
    pub change: StatusChange,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEvent {
    /// The hash that chains event `seq` (its change as stored JSON) to the one before: every
    /// adapter computes it the same way, so one checker reads any of them.
    pub fn chain_hash(prev_hash: &str, seq: u64, body: &str) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(
            format!("{prev_hash}\n{seq}\n{body}").as_bytes(),
        ))
    }
}

/// What an `Idempotency-Key` promised: the same request gets the same application back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// The key as the client sent it, scoped to who sent it.
    pub scoped_key: String,
    /// SHA-256 of the request body: the same key with another body is refused.
    pub request_hash: String,
    pub application_id: ApplicationId,
    pub expires_at: OffsetDateTime,
}

#[async_trait]
pub trait ApplicationStore: Send + Sync {
    /// Writes a new application (version 1), and its idempotency record in the same write.
    /// `Duplicate` when the idempotency key was taken meanwhile.
    async fn create(
        &self,
        app: &Application,
        idempotency: Option<&IdempotencyRecord>,
    ) -> Result<(), StoreError>;
    async fn get(&self, id: ApplicationId) -> Result<Option<Application>, StoreError>;
    async fn find_by_payment_reference(
        &self,
        r: &PaymentReference,
    ) -> Result<Option<Application>, StoreError>;
    /// Newest first.
    async fn list_by_subject(
        &self,
        subject: &Subject,
        limit: usize,
    ) -> Result<Vec<Application>, StoreError>;
    /// Oldest first: who has waited longest is served first.
    async fn work_queue(
        &self,
        office: &OfficeCode,
        status: Status,
        limit: usize,
    ) -> Result<Vec<Application>, StoreError>;
    /// Writes `app` if the stored version is still `app.version`, appending `changes` to its audit
    /// trail in the same write. `Conflict` otherwise. Returns the new version.
    async fn update(&self, app: &Application, changes: &[StatusChange]) -> Result<u64, StoreError>;
    /// `update`, with the idempotency record of the request that made the change in the same
    /// write. `Duplicate` when a live record holds the key (checked before the version).
    async fn update_once(
        &self,
        app: &Application,
        changes: &[StatusChange],
        idempotency: &IdempotencyRecord,
    ) -> Result<u64, StoreError>;
    async fn history(&self, id: ApplicationId) -> Result<Vec<AuditEvent>, StoreError>;
    /// Every application's id, for whole-store checks (`guichet audit verify`).
    async fn application_ids(&self) -> Result<Vec<ApplicationId>, StoreError>;
    /// A live (unexpired) idempotency record.
    async fn idempotency(
        &self,
        scoped_key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<IdempotencyRecord>, StoreError>;
}

#[async_trait]
pub trait PaymentLedger: Send + Sync {
    async fn payment(
        &self,
        provider: Provider,
        provider_txn: &str,
    ) -> Result<Option<Payment>, StoreError>;
    /// Records the payment once per (provider, transaction): `Duplicate` on a replay. When it pays
    /// an application, the application's update goes in the same write (and may `Conflict`).
    async fn record(
        &self,
        payment: &Payment,
        paid: Option<(&Application, &[StatusChange])>,
    ) -> Result<(), StoreError>;
}

#[async_trait]
pub trait DocumentRegistry: Send + Sync {
    /// The next sequence number of a kind in a year, never handed out twice.
    async fn next_sequence(&self, kind: DocumentKind, year: u16) -> Result<u32, StoreError>;
    /// Registers the document and moves the application to issued, in one write.
    async fn register(
        &self,
        doc: &IssuedDocument,
        app: &Application,
        changes: &[StatusChange],
    ) -> Result<(), StoreError>;
    async fn document(&self, number: &DocumentNumber)
    -> Result<Option<IssuedDocument>, StoreError>;
    /// Writes the revoked document over its valid entry, with the application's event (and the
    /// request's idempotency record, if any) in one write; returns the application's new version.
    /// An entry revoked already or a stale application is a `Conflict`, a live key a `Duplicate`,
    /// and nothing is written.
    async fn revoke(
        &self,
        doc: &IssuedDocument,
        app: &Application,
        changes: &[StatusChange],
        key: Option<&IdempotencyRecord>,
    ) -> Result<u64, StoreError>;
}

#[derive(Debug, thiserror::Error)]
#[error("seal keys: {0}")]
pub struct KeyStoreError(pub String);

/// Where the seal keys are kept: private key files (mode 0600) in the data directory, or the
/// service's managed secret on AWS. Read once at cold start; written only by an operator's
/// `guichet keys rotate`.
#[async_trait]
pub trait SealKeyStore: Send + Sync {
    /// Every key: the newest signs, the older ones stay, retired, to verify what they sealed.
    async fn load(&self) -> Result<crate::seal::SealKeys, KeyStoreError>;
    /// Makes a new signing key, which retires the current one; returns the new key's id.
    async fn rotate(&self) -> Result<String, KeyStoreError>;
}

/// The queues that chain the steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueueName {
    IssueRequests,
}

impl QueueName {
    pub fn as_str(self) -> &'static str {
        match self {
            QueueName::IssueRequests => "issue-requests",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("queue: {0}")]
pub struct QueueError(pub String);

#[async_trait]
pub trait Queue: Send + Sync {
    async fn send(&self, queue: QueueName, body: &str) -> Result<(), QueueError>;
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("invalid object key")]
    InvalidKey,
    #[error("blob store: {0}")]
    Backend(String),
}

/// How a client gets a stored file: the bytes themselves, or a short-lived URL to fetch them from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Download {
    Bytes(Vec<u8>),
    Redirect(String),
}

/// Object keys are relative paths of plain segments (letters, digits, `-`, `_`, `.`): nothing that
/// could climb out of a directory or surprise a URL.
pub fn valid_blob_key(key: &str) -> bool {
    !key.is_empty()
        && key.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
}

#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Stores the bytes under `key` unless something is there already; returns what is stored
    /// under `key` afterwards, so two racing writers agree on one file.
    async fn put_if_absent(
        &self,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> Result<Vec<u8>, BlobError>;
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError>;
    async fn download(&self, key: &str, filename: &str) -> Result<Option<Download>, BlobError>;
}

pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}
