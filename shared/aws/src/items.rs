//! How each domain record is laid out as a DynamoDB item (the single-table design of DESIGN.md).
//!
//! Every item keeps the record itself as JSON in `body`, beside the few attributes the keys,
//! indexes, conditions and TTL need: one encoding for the domain (serde), and keys that say what
//! they hold (`APP#…`, `PAY#…`, `DOC#…`) for someone reading the table in the console.

use aws_sdk_dynamodb::types::AttributeValue;
use guichet_core::domain::{
    Application, ApplicationId, AuditHead, DocumentNumber, Event, IssuedDocument, Provider, Status,
    StatusChange,
};
use guichet_core::ports::{AuditEvent, Fault, StoreError};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use time::OffsetDateTime;

pub type Item = HashMap<String, AttributeValue>;

pub const PK: &str = "PK";
pub const SK: &str = "SK";
pub const BY_APPLICANT: &str = "by-applicant";
pub const OFFICE_QUEUE: &str = "office-queue";
/// The TTL attribute of the table (epoch seconds): only items meant to vanish carry it.
pub const TTL: &str = "expires_at";

/// How many partitions an office's work queue is spread over. Writers and readers must agree,
/// so it is a constant of the code, not a setting.
pub const WORK_QUEUE_SHARDS: u32 = 4;

pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub fn key(pk: String, sk: &str) -> Item {
    HashMap::from([(PK.into(), s(pk)), (SK.into(), s(sk))])
}

pub fn app_pk(id: ApplicationId) -> String {
    format!("APP#{id}")
}

pub fn app_key(id: ApplicationId) -> Item {
    key(app_pk(id), "APP")
}

pub fn reference_key(reference: &str) -> Item {
    key(format!("REF#{reference}"), "REF")
}

pub fn payment_key(provider: Provider, txn: &str) -> Item {
    key(format!("PAY#{}#{txn}", provider.as_str()), "PAY")
}

pub fn document_key(number: &DocumentNumber) -> Item {
    key(format!("DOC#{number}"), "DOC")
}

pub fn idempotency_key(scoped_key: &str) -> Item {
    key(format!("IDEM#{scoped_key}"), "IDEM")
}

pub fn counter_key(name: &str) -> Item {
    key(format!("CTR#{name}"), "CTR")
}

/// A rate limit's count for one client: `RATE#<limit>:<client>`, `RATE`.
pub fn rate_key(key: &str) -> Item {
    self::key(format!("RATE#{key}"), "RATE")
}

/// The partner feed: its items under one partition, by number, and a marker per event.
pub const FEED_PK: &str = "AESFEED";

pub fn feed_sk(seq: u64) -> String {
    format!("SEQ#{seq:012}")
}

pub fn feed_event_key(event_id: &str) -> Item {
    key(format!("AESFEED#EVT#{event_id}"), "EVT")
}

/// A notification sent (the event and the channel): one item each, so a second delivery of the
/// event sends nothing again.
pub fn sent_key(key: &str) -> Item {
    self::key(format!("NOTIFIED#{key}"), "NOTIFIED")
}

/// Every load of the watchlist, under one partition, newest last.
pub const WATCHLIST_PK: &str = "WATCHLIST";

pub fn watchlist_sk(seq: u64) -> String {
    format!("LOAD#{seq:012}")
}

/// Audit events sort by sequence under their application.
pub fn event_sk(seq: u64) -> String {
    format!("EV#{seq:010}")
}

pub fn ns(t: OffsetDateTime) -> i128 {
    t.unix_timestamp_nanos()
}

/// Times as fixed-width strings, so index sort keys order as the times do.
pub fn sortable(t: OffsetDateTime) -> String {
    format!("{:020}", ns(t).max(0))
}

/// A stable shard for an application: it never moves between partitions as its status changes.
pub fn shard(id: ApplicationId) -> u32 {
    let digest = Sha256::digest(id.to_string().as_bytes());
    u32::from(digest[0]) % WORK_QUEUE_SHARDS
}

pub fn work_queue_pk(office: &str, status: Status, shard: u32) -> String {
    format!("WORK#{office}#{}#{shard}", status.as_str())
}

/// A stored item that does not read back as what was written.
pub fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Fault(Fault::corrupt(e))
}

/// A request we could not even build.
pub fn refused(e: impl std::fmt::Display) -> StoreError {
    StoreError::Fault(Fault::refused(e))
}

pub fn to_json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(refused)
}

pub fn string<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Ok(v),
        _ => Err(corrupt(format!("stored item has no text attribute {name}"))),
    }
}

pub fn number<T: std::str::FromStr>(item: &Item, name: &str) -> Result<T, StoreError> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v
            .parse()
            .map_err(|_| corrupt(format!("stored attribute {name} is not a number"))),
        _ => Err(corrupt(format!(
            "stored item has no number attribute {name}"
        ))),
    }
}

pub fn body<T: serde::de::DeserializeOwned>(item: &Item) -> Result<T, StoreError> {
    serde_json::from_str(string(item, "body")?)
        .map_err(|e| corrupt(format!("stored item does not read back: {e}")))
}

/// The application item at `version`, with the index keys of its applicant and its office queue.
pub fn application(app: &Application, version: u64) -> Result<Item, StoreError> {
    let mut stored = app.clone();
    stored.version = version;
    let id = app.id.to_string();
    let mut item = app_key(app.id);
    item.extend([
        ("entity".into(), s("application")),
        ("version".into(), n(version)),
        ("status".into(), s(app.status().as_str())),
        ("office".into(), s(app.office.as_str())),
        (
            "payment_reference".into(),
            s(app.payment_reference.as_str()),
        ),
        ("GSI1PK".into(), s(format!("SUB#{}", app.subject.as_str()))),
        (
            "GSI1SK".into(),
            s(format!("{}#{id}", sortable(app.created_at))),
        ),
        (
            "GSI2PK".into(),
            s(work_queue_pk(
                app.office.as_str(),
                app.status(),
                shard(app.id),
            )),
        ),
        (
            "GSI2SK".into(),
            s(format!("{}#{id}", sortable(app.updated_at))),
        ),
        ("body".into(), s(to_json(&stored)?)),
    ]);
    Ok(item)
}

pub fn read_application(item: &Item) -> Result<Application, StoreError> {
    let mut app: Application = body(item)?;
    app.version = number(item, "version")?;
    Ok(app)
}

/// The events that follow `(last_seq, last_hash)`, each chained to the one before.
/// An issued document's registry item. A revoked one carries `revoked`, which the revocation's
/// write is conditional on.
pub fn document(doc: &IssuedDocument) -> Result<Item, StoreError> {
    let mut item = document_key(&doc.number);
    item.extend([
        ("entity".into(), s("document")),
        ("application_id".into(), s(doc.application_id.to_string())),
        ("body".into(), s(to_json(doc)?)),
    ]);
    if doc.revocation.is_some() {
        item.insert("revoked".into(), s("true"));
    }
    Ok(item)
}

/// The items of the audit events, chained after `last`, with the outbox items of those that are
/// events a later step acts on, and the new last event.
pub fn audit_events(
    app: &Application,
    last: Option<(u64, String)>,
    changes: &[StatusChange],
) -> Result<(Vec<Item>, AuditHead), StoreError> {
    let id = app.id;
    let (mut seq, mut prev) = last.unwrap_or((0, String::new()));
    let mut items = Vec::with_capacity(changes.len());
    for change in changes {
        seq += 1;
        let body = to_json(change)?;
        let hash = AuditEvent::chain_hash(&prev, seq, &body);
        let mut item = key(app_pk(id), &event_sk(seq));
        item.extend([
            ("entity".into(), s("audit_event")),
            ("seq".into(), n(seq)),
            ("prev_hash".into(), s(prev.clone())),
            ("hash".into(), s(hash.clone())),
            ("body".into(), s(body)),
        ]);
        items.push(item);
        if let Some(event) = Event::of(app, seq, change) {
            items.push(outbox(&event)?);
        }
        prev = hash;
    }
    Ok((items, AuditHead { seq, hash: prev }))
}

/// How many partitions the outbox is spread over, as the work queues are.
pub const OUTBOX_SHARDS: u32 = WORK_QUEUE_SHARDS;

/// An event's outbox key: its application's shard, then its time and id, so a shard reads
/// oldest first.
/// A trail's end waiting for the next audit checkpoint: `ANCHOR#<shard>`, the application id;
/// overwritten by each later end, deleted once a checkpoint holds it.
pub fn anchor_key(id: ApplicationId) -> Item {
    key(format!("ANCHOR#{}", shard(id)), &id.to_string())
}

pub fn anchor(id: ApplicationId, head: &guichet_core::domain::AuditHead) -> Item {
    let mut item = anchor_key(id);
    item.extend([
        ("entity".into(), s("unanchored")),
        ("seq".into(), n(head.seq)),
        ("hash".into(), s(head.hash.clone())),
    ]);
    item
}

pub fn outbox_key(event: &Event) -> Item {
    key(
        format!("OUT#{}", shard(event.application_id)),
        &format!("{}#{}", sortable(event.at), event.id),
    )
}

pub fn outbox(event: &Event) -> Result<Item, StoreError> {
    let mut item = outbox_key(event);
    item.extend([
        ("entity".into(), s("outbox")),
        ("event_type".into(), s(event.event_type.as_str())),
        ("body".into(), s(to_json(event)?)),
    ]);
    Ok(item)
}

pub fn read_event(item: &Item) -> Result<AuditEvent, StoreError> {
    Ok(AuditEvent {
        seq: number(item, "seq")?,
        change: body(item)?,
        prev_hash: string(item, "prev_hash")?.to_owned(),
        hash: string(item, "hash")?.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_sort_keys_order_as_times_do() {
        let a = sortable(time::macros::datetime!(2026-02-01 09:00 UTC));
        let b = sortable(time::macros::datetime!(2026-11-25 17:00 UTC));
        let c = sortable(time::macros::datetime!(2099-01-01 00:00 UTC));
        assert!(a < b && b < c);
        assert_eq!(a.len(), c.len());
        assert!(event_sk(9) < event_sk(10));
    }

    #[test]
    fn shards_are_stable_and_spread() {
        let ids: Vec<ApplicationId> = (0..400)
            .map(|_| ApplicationId::new(ulid::Ulid::new()))
            .collect();
        let mut counts = [0u32; WORK_QUEUE_SHARDS as usize];
        for id in &ids {
            assert_eq!(shard(*id), shard(*id));
            counts[shard(*id) as usize] += 1;
        }
        assert!(counts.iter().all(|c| *c > 50), "{counts:?}");
    }
}
