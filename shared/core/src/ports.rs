//! The traits the use cases need from the outside world, and the errors they answer with.
//!
//! Adapters implement them: `guichet-local` (SQLite, files, a durable local queue) and
//! `guichet-aws` (DynamoDB, S3, SQS, Secrets Manager) for storage; `guichet-seal` for seals;
//! `guichet-pdf` for documents; `guichet-payments` for payment providers. A use case takes only
//! the ports it uses, so a function links only the adapters it needs.

use crate::catalogue::Office;
use crate::domain::{
    Application, ApplicationId, DocumentNumber, DocumentRef, Event, Holder, IssuedDocument,
    NumberPrefix, OfficeCode, Payment, PaymentReference, PaymentStatus, Provider, SealClaims,
    SealError, Status, StatusChange, Subject,
};
use crate::error::Error;
use async_trait::async_trait;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;

/// What kind of failure a call to something outside met, which says whether the same call may
/// succeed if it is made again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// The backend asked us to slow down (throttling, throughput or request limits, a busy
    /// database).
    Throttled,
    /// No answer in time, or the connection broke: the call may or may not have taken effect.
    Timeout,
    /// The backend said it cannot serve now (a 5xx, a dispatch failure).
    Unavailable,
    /// The backend refused the call as made (validation, permissions, a missing resource): the
    /// same call will be refused again.
    Refused,
    /// What is stored does not read back as what was written.
    Corrupt,
}

impl FaultKind {
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            FaultKind::Throttled | FaultKind::Timeout | FaultKind::Unavailable
        )
    }
}

/// A failure of something outside Guichet: its kind, and what the backend said (for the logs;
/// never shown to a client).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind:?}: {detail}")]
pub struct Fault {
    pub kind: FaultKind,
    pub detail: String,
}

impl Fault {
    pub fn new(kind: FaultKind, detail: impl fmt::Display) -> Self {
        Fault {
            kind,
            detail: detail.to_string(),
        }
    }

    pub fn corrupt(detail: impl fmt::Display) -> Self {
        Fault::new(FaultKind::Corrupt, detail)
    }

    pub fn refused(detail: impl fmt::Display) -> Self {
        Fault::new(FaultKind::Refused, detail)
    }

    pub fn is_retryable(&self) -> bool {
        self.kind.is_retryable()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The item changed since it was read: read again and retry.
    #[error("write conflict")]
    Conflict,
    /// An item with this key exists already (a replayed webhook, a reused idempotency key).
    #[error("already exists")]
    Duplicate,
    #[error("storage: {0}")]
    Fault(#[from] Fault),
}

impl StoreError {
    /// A conflict is settled by reading again; a fault, when it says so.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Conflict => true,
            StoreError::Duplicate => false,
            StoreError::Fault(f) => f.is_retryable(),
        }
    }
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

/// The ends of trails that moved since the last checkpoint took them: written by the stores in
/// the same write as the events (SQLite's `audit_unanchored`, DynamoDB's `ANCHOR#<shard>`
/// items), so none is missed.
#[async_trait]
pub trait Unanchored: Send + Sync {
    /// At most `limit` of them.
    async fn unanchored(
        &self,
        limit: usize,
    ) -> Result<Vec<(ApplicationId, crate::domain::AuditHead)>, StoreError>;
    /// Taken into a checkpoint: gone, unless the trail moved on meanwhile (then it stays, with
    /// its newer end, for the next checkpoint).
    async fn anchored(
        &self,
        id: ApplicationId,
        head: &crate::domain::AuditHead,
    ) -> Result<(), StoreError>;
}

/// A checkpoint: trails' ends as they stood at `at`, signed (HMAC-SHA256 with the audit key,
/// `usecases::audit`), kept outside the store in a place written once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub heads: Vec<AnchoredHead>,
    /// Hex HMAC-SHA256 over `at` and the heads (`usecases::audit::signed_text`).
    pub mac: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnchoredHead {
    pub application: ApplicationId,
    pub seq: u64,
    pub hash: String,
}

/// Where checkpoints go and stay: S3 with Object Lock on AWS (nothing written there can be
/// changed or deleted before its retention ends), an append-only file on one machine.
#[async_trait]
pub trait CheckpointLog: Send + Sync {
    async fn append(&self, checkpoint: &Checkpoint) -> Result<(), StoreError>;
    /// Every checkpoint, oldest first.
    async fn all(&self) -> Result<Vec<Checkpoint>, StoreError>;
}

/// What an `Idempotency-Key` promised: the same request gets the same application back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// The key as the client sent it, scoped to who sent it.
    pub scoped_key: String,
    /// SHA-256 of the request body: the same key with another body is refused.
    pub request_hash: String,
    pub application_id: ApplicationId,
    /// The service's time at the request that holds the record (by its clock, never the
    /// store's): a record that expired by then may be replaced by a new one.
    pub at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// Where a page of an applicant's applications (newest first) starts: after the one made at `at`
/// with `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Before {
    pub at: OffsetDateTime,
    pub id: ApplicationId,
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
    /// Newest first; with `before`, the ones after it in that order (a page's cursor).
    async fn list_by_subject(
        &self,
        subject: &Subject,
        before: Option<Before>,
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
    /// trail in the same write, and the events among them to the outbox (`Event::of`).
    /// `Conflict` otherwise. Returns the new version.
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
    /// A record that is still live at `now`, read back with `at` = `now`.
    async fn idempotency(
        &self,
        scoped_key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<IdempotencyRecord>, StoreError>;
}

/// One load of the watchlist, as kept: which version (the file's hash), how many entries, where
/// its file is, when and by whom. Every load is kept: the list's own audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchlistLoad {
    pub seq: u64,
    pub version: String,
    pub entries: usize,
    /// The file in the blob store (`watchlists/<version>.csv`).
    pub object_key: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The operator who loaded it, as they named themselves to the command.
    pub by: String,
}

#[async_trait]
pub trait WatchlistLog: Send + Sync {
    /// Records load `load.seq`: `Duplicate` when another load took that number first.
    async fn record_load(&self, load: &WatchlistLoad) -> Result<(), StoreError>;
    /// The latest loads, newest first.
    async fn loads(&self, limit: usize) -> Result<Vec<WatchlistLoad>, StoreError>;
}

/// One item of the feed partner states read (`GET /v1/aes/visas`): an event on an AES visa,
/// numbered, with the record partners check offline (`signed`, a COSE_Sign1 of
/// `{seq, event, visa}` by the seal key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedRecord {
    pub seq: u64,
    /// The application event it comes from (`<application id>.<audit sequence>`): one item each.
    pub event_id: String,
    /// `issued`, `revoked` or `crossed`.
    pub event: String,
    pub visa: serde_json::Value,
    pub signed: String,
}

#[async_trait]
pub trait PartnerFeed: Send + Sync {
    /// A number for the next item, larger than every one given before (gaps allowed).
    async fn next_feed_seq(&self) -> Result<u64, StoreError>;
    /// Whether an item was made from this event already.
    async fn has_event(&self, event_id: &str) -> Result<bool, StoreError>;
    /// Appends the item: `Duplicate` when one was made from its event already.
    async fn append(&self, record: &FeedRecord) -> Result<(), StoreError>;
    /// Items numbered after `seq`, in order, at most `limit`.
    async fn after(&self, seq: u64, limit: usize) -> Result<Vec<FeedRecord>, StoreError>;
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
    async fn next_sequence(&self, prefix: NumberPrefix, year: u16) -> Result<u32, StoreError>;
    /// Registers the document and moves the application to issued, in one write.
    async fn register(
        &self,
        doc: &IssuedDocument,
        app: &Application,
        changes: &[StatusChange],
    ) -> Result<(), StoreError>;
    async fn document(&self, number: &DocumentNumber)
    -> Result<Option<IssuedDocument>, StoreError>;
    /// Every document seal key `kid` sealed: those that name it, and those that name no key and
    /// were issued while it signed (`from` up to `until`, or on). An operator's question, rarely
    /// asked: it may read the whole registry.
    async fn sealed_by(
        &self,
        kid: &str,
        from: OffsetDateTime,
        until: Option<OffsetDateTime>,
    ) -> Result<Vec<IssuedDocument>, StoreError>;
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

/// A seal key as it is kept: its id, when it was made, and its private half in hex, which
/// neither `Debug` nor a log line can print.
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredSealKey {
    pub kid: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(serialize_with = "expose_secret")]
    pub secret: SecretString,
    /// Set when the key was declared compromised (`guichet keys compromise`): it signs nothing
    /// more, and nothing it sealed verifies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compromised: Option<Compromise>,
}

/// Who declared a seal key compromised, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compromise {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub by: String,
}

impl fmt::Debug for StoredSealKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredSealKey")
            .field("kid", &self.kid)
            .field("created_at", &self.created_at)
            .field("compromised", &self.compromised)
            .finish_non_exhaustive()
    }
}

/// Writes a secret where it is meant to be kept (a key file, the managed secret), and nowhere
/// else: only the stores serialise these.
pub fn expose_secret<S: serde::Serializer>(
    secret: &SecretString,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use secrecy::ExposeSecret;
    serializer.serialize_str(secret.expose_secret())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyStoreError {
    /// A key that does not read back, or a store that holds none where one must be.
    #[error("seal keys: {0}")]
    Unusable(String),
    #[error("seal keys: {0}")]
    Fault(#[from] Fault),
}

/// Where the seal keys are kept: private key files (mode 0600) in the data directory, or the
/// service's managed secret on AWS. Read once at cold start; written only by an operator
/// (`guichet keys rotate`) and by a first start that finds none.
#[async_trait]
pub trait SealKeyStore: Send + Sync {
    /// Every key ever kept: the newest signs, the older ones stay to verify what they sealed.
    async fn load(&self) -> Result<Vec<StoredSealKey>, KeyStoreError>;
    /// Keeps a new key beside the others; never replaces one.
    async fn add(&self, key: &StoredSealKey) -> Result<(), KeyStoreError>;
    /// Marks key `kid` compromised, for good (a second mark keeps the first).
    async fn mark_compromised(&self, kid: &str, mark: &Compromise) -> Result<(), KeyStoreError>;
}

/// The documents `kid` sealed among `all`: see `DocumentRegistry::sealed_by`.
pub fn sealed_by_key(
    all: impl IntoIterator<Item = IssuedDocument>,
    kid: &str,
    from: OffsetDateTime,
    until: Option<OffsetDateTime>,
) -> Vec<IssuedDocument> {
    all.into_iter()
        .filter(|d| match &d.sealed_by {
            Some(k) => k == kid,
            None => d.issued_at >= from && until.is_none_or(|u| d.issued_at <= u),
        })
        .collect()
}

/// One of the service's own tokens, revoked (`guichet token revoke`): refused until it would have
/// expired anyway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRevocation {
    pub jti: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub by: String,
    /// After this no token it could name is valid: the entry may go.
    #[serde(with = "time::serde::rfc3339")]
    pub until: OffsetDateTime,
}

/// The deny list of the service's own tokens.
#[async_trait]
pub trait RevokedTokens: Send + Sync {
    async fn revoke(&self, revocation: &TokenRevocation) -> Result<(), StoreError>;
    /// The ids revoked whose entry still holds at `now`.
    async fn revoked(&self, now: OffsetDateTime) -> Result<Vec<String>, StoreError>;
}

/// The public seal keys (`GET /v1/keys`) and the files' certificates (`GET /v1/keys/certificates`)
/// as published: what the functions that hold no private key (verify, review) check seals with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySetDocument {
    pub jwks: serde_json::Value,
    pub certificates: String,
}

/// Where the key set is published: written by whoever holds the keys (rotation, provisioning,
/// `guichet serve` at start), read by the functions that check seals.
#[async_trait]
pub trait PublishedKeys: Send + Sync {
    async fn published(&self) -> Result<Option<KeySetDocument>, StoreError>;
    async fn publish(&self, set: &KeySetDocument) -> Result<(), StoreError>;
}

/// Signs what a seal asserts: the text printed as the document's QR code; and, with the same
/// keys, the issued file itself.
pub trait Sealer: FileSigner {
    fn seal(&self, claims: &SealClaims) -> String;
    /// The id of the key `seal` signs with, kept on what it sealed.
    fn kid(&self) -> String;
    /// A record for partner states (an AES feed item), signed with the seal key as a COSE_Sign1
    /// they check offline against `GET /v1/keys` (docs/aes.md).
    fn sign_record(&self, payload: &[u8]) -> String;
}

/// Signs an issued file as PDF readers check it (PAdES B-B, docs/seal.md "The file's own
/// signature"): the file keeps room for the signature, and signs the digest of every other byte.
pub trait FileSigner: Send + Sync {
    /// The most bytes `sign_file` returns.
    fn file_signature_room(&self) -> usize;
    /// A detached CMS signature over the SHA-256 digest of the file's signed bytes.
    fn sign_file(&self, digest: &[u8; 32]) -> Result<Vec<u8>, String>;
}

/// Checks a seal's signature against the published keys and reads its claims.
pub trait SealReader: Send + Sync {
    fn open(&self, text: &str) -> Result<SealClaims, SealError>;
}

/// Everything a document shows, fixed before it is drawn.
pub struct Printable<'a> {
    pub application: &'a Application,
    /// The kind's template (`Kind::template`) and its printed title.
    pub template: &'a str,
    pub title: &'a str,
    /// What the office approved the document to say, as the kind parsed it.
    pub content: &'a serde_json::Value,
    /// Who the document is about (`Kind::holder`).
    pub holder: &'a Holder,
    pub office: &'a Office,
    /// The kind's catalogue entry: its officers' titles and its legal basis.
    pub entry: &'a crate::catalogue::Service,
    pub document: &'a DocumentRef,
    pub seal: &'a str,
    /// Signs the finished file (the seal's keys).
    pub signer: &'a dyn FileSigner,
    /// The holder's photo as sent (a JPEG), for a template that prints one (a visa's).
    pub portrait: Option<&'a [u8]>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("no template named {0}")]
    NoTemplate(String),
    #[error("the document could not be drawn: {0}")]
    Drawing(String),
}

/// Draws an issued document (a PDF).
pub trait DocumentRenderer: Send + Sync {
    fn render(&self, document: &Printable<'_>) -> Result<Vec<u8>, RenderError>;
    /// Whether it can draw documents from the template of this name: checked for every kind
    /// the catalogue offers before the service starts.
    fn has_template(&self, name: &str) -> bool;
}

/// What a payment provider told us, once its delivery is authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Whose ledger the transaction belongs to: with `provider_txn`, the key that makes a
    /// second delivery a replay.
    pub provider: Provider,
    pub provider_txn: String,
    pub payment_reference: String,
    pub amount: u64,
    pub currency: String,
    pub status: PaymentStatus,
    /// How the citizen paid, when the provider says (`orange_money`, `moov_money`, `card`).
    pub method: Option<String>,
}

/// One webhook delivery, as received: its headers (names in lower case) and its raw body.
pub struct Delivery<'a> {
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl Delivery<'_> {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A payment provider, as the payment step sees it.
#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Its webhook is `POST /v1/payments/webhook/{name}`.
    fn name(&self) -> &'static str;
    /// `BadSignature` when the delivery cannot be vouched for (nothing is recorded);
    /// `Malformed` or `Invalid` when it is authentic but unreadable.
    fn read(&self, delivery: &Delivery<'_>, now: OffsetDateTime) -> Result<Notice, Error>;
    /// The notice as the provider's own records have it, where it has an API to ask (CinetPay's
    /// payment check): its amount, currency and outcome are the provider's answer. `Unconfirmed`
    /// when it cannot be asked or the payment is not final: nothing is recorded, and the
    /// provider, answered 503, sends the notice again.
    async fn confirm(&self, notice: Notice) -> Result<Notice, Error> {
        Ok(notice)
    }
}

/// Where a citizen pays one application's fee: a provider's payment page, opened in the browser.
/// Starting one charges nothing; the provider's notice, through its `PaymentGateway`, is what
/// pays the application.
#[async_trait]
pub trait Checkout: Send + Sync {
    fn provider(&self) -> Provider;
    /// The address of the payment page for this request (a provider's call when it has one).
    async fn start(&self, request: &CheckoutRequest) -> Result<String, Error>;
}

/// What a provider is told when a payment starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutRequest {
    pub application: crate::domain::ApplicationId,
    /// Ours, sent so that the provider's notice names it back.
    pub reference: crate::domain::PaymentReference,
    pub amount: crate::domain::Money,
    /// What the citizen reads on the provider's page: the document's title and our reference.
    pub description: String,
    /// The provider's page in the citizen's language, `fr` or `en`.
    pub lang: &'static str,
    /// This service's public address: a provider's notice goes to its webhook there
    /// (`/v1/payments/webhook/{provider}`), the sandbox's page is there.
    pub api: String,
    /// Where the citizen's browser comes back to: the application in the portal.
    pub return_url: String,
}

/// One message to one person: an email, or an SMS. `key` names it for good (the event and the
/// channel): the same key is the same message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub key: String,
    pub channel: Channel,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Channel {
    Email {
        to: crate::domain::Email,
        subject: String,
        body: String,
    },
    Sms {
        to: crate::domain::Phone,
        text: String,
    },
}

/// Why a notification did not go: for a while (try again), or for good (an address the
/// provider refuses: nothing will change by trying again).
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("could not send for now: {0}")]
    Transient(String),
    #[error("refused: {0}")]
    Refused(String),
}

/// Per-client counts every instance of a function sees (rate limits on Lambda, where each warm
/// instance would otherwise count for itself). A client's window opens at its first count and
/// lasts its length, so where a window ends depends on the client, not on the clock's hour.
#[async_trait]
pub trait RateCounters: Send + Sync {
    /// Counts one more for `key` at `now` (seconds since the epoch), unless its window of
    /// `length` seconds holds `max` already.
    async fn take(
        &self,
        key: &str,
        now: i64,
        length: i64,
        max: u32,
    ) -> Result<RateCount, StoreError>;
    /// Takes back one counted in the window that opened at `window`: the request turned out
    /// not to count. Nothing when that window is gone.
    async fn give_back(&self, key: &str, window: i64) -> Result<(), StoreError>;
}

/// What `RateCounters::take` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateCount {
    /// Counted, in the window that opened at `window`.
    Counted { window: i64 },
    /// The window is full until `until`.
    Full { until: i64 },
}

/// Sends email and SMS: an outbox folder a person can read on one machine, SES and SNS on AWS.
#[async_trait]
pub trait Notifier: Send + Sync {
    async fn send(&self, notification: &Notification) -> Result<(), SendError>;
}

/// Which notifications went, so a second delivery of the same event sends nothing again.
#[async_trait]
pub trait SentLog: Send + Sync {
    /// Claims `key`: `true` the first time, `false` when it was claimed already.
    async fn claim(&self, key: &str, at: OffsetDateTime) -> Result<bool, StoreError>;
    /// Gives a claim back when the sending failed for a while, so the retry sends it.
    async fn release(&self, key: &str) -> Result<(), StoreError>;
}

/// A queue of the pipeline, by name: one per consumer of events (`Subscription::queue`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueueName(pub &'static str);

impl QueueName {
    /// The issue step's queue.
    pub const ISSUE_REQUESTS: QueueName = QueueName(crate::domain::ISSUE.queue);
    /// The check step's queue: one message per object arriving in the uploads store, shaped as
    /// S3 notifies it.
    pub const ATTACHMENT_CHECKS: QueueName = QueueName("attachment-checks");
    /// The screen step's queue.
    pub const SCREENING_REQUESTS: QueueName = QueueName(crate::domain::SCREEN.queue);
    /// The partner feed's queue.
    pub const PARTNER_FEED: QueueName = QueueName(crate::domain::FEED.queue);
    /// The notify step's queue.
    pub const NOTIFICATIONS: QueueName = QueueName(crate::domain::NOTIFY.queue);

    pub fn as_str(self) -> &'static str {
        self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("queue: {0}")]
pub struct QueueError(#[from] pub Fault);

impl QueueError {
    pub fn is_retryable(&self) -> bool {
        self.0.is_retryable()
    }
}

/// The events the stores wrote with the changes that made them, not yet handed on.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Oldest first, written before `before`, at most `limit`.
    async fn pending(&self, before: OffsetDateTime, limit: usize)
    -> Result<Vec<Event>, StoreError>;
    /// Handed on: it leaves the outbox.
    async fn forwarded(&self, event: &Event) -> Result<(), StoreError>;
}

/// Hands an event to the queue of every consumer subscribed to its type. At least once: a
/// consumer may hear of an event twice, never not at all.
#[async_trait]
pub trait EventBus: Send + Sync {
    async fn publish(&self, event: &Event) -> Result<(), QueueError>;
}

/// A message its consumer can never process (unreadable, or about a record that does not
/// exist): set aside at once for a person, rather than retried until the queue gives up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undeliverable<'a> {
    pub message_id: &'a str,
    pub body: &'a str,
    pub reason: &'a str,
}

#[async_trait]
pub trait DeadLetters: Send + Sync {
    async fn set_aside(&self, message: &Undeliverable<'_>) -> Result<(), QueueError>;
}

/// Sets a message aside: `true` when it is safely in the dead letters, `false` when it must come
/// back (the dead letters themselves failed).
pub async fn set_aside(
    dead_letters: &dyn DeadLetters,
    message_id: &str,
    body: &str,
    reason: &str,
) -> bool {
    let message = Undeliverable {
        message_id,
        body,
        reason,
    };
    match dead_letters.set_aside(&message).await {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(message_id, error = %e, "cannot set the message aside; it will come back");
            false
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlobError {
    #[error("invalid object key")]
    InvalidKey,
    #[error("blob store: {0}")]
    Fault(#[from] Fault),
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

/// Where a browser sends an attachment's bytes: a URL it PUTs them to, with the headers to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadTarget {
    pub url: String,
    pub headers: Vec<(String, String)>,
}

/// The uploads store: files applicants send, never public. The bytes go there straight from the
/// browser (a presigned S3 PUT; locally `guichet serve`'s upload route), limited to the announced
/// size and type until the URL expires; the check step reads them back.
#[async_trait]
pub trait Uploads: Send + Sync {
    async fn upload_target(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        expires_at: OffsetDateTime,
    ) -> Result<UploadTarget, BlobError>;
    /// The bytes under `key` and when they arrived, at most `limit` bytes read (a larger object
    /// reads as `limit + 1` bytes, enough to refuse it).
    async fn read(
        &self,
        key: &str,
        limit: u64,
    ) -> Result<Option<(Vec<u8>, OffsetDateTime)>, BlobError>;
    /// The bytes for a person allowed to read them, or a short-lived URL to them.
    async fn download(
        &self,
        key: &str,
        filename: &str,
        content_type: &str,
    ) -> Result<Option<Download>, BlobError>;
}

/// The service's time. Everything that compares a time with now reads it here, so a test that
/// moves the clock moves all of it (expiries, idempotency keys, tokens, webhook windows).
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}
