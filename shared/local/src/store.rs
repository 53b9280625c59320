//! The application store, payment ledger and document registry on SQLite.

use super::db::{Db, backend, corrupt};
use async_trait::async_trait;
use guichet_core::domain::{
    Application, ApplicationId, AuditHead, DocumentNumber, Event, IssuedDocument, NumberPrefix,
    OfficeCode, Payment, PaymentReference, Provider, Status, StatusChange, Subject,
};
use guichet_core::ports::{
    ApplicationStore, AuditEvent, Before, DocumentRegistry, FeedRecord, IdempotencyRecord,
    KeySetDocument, Outbox, PartnerFeed, PaymentLedger, PublishedKeys, RevokedTokens, SentLog,
    StoreError, TokenRevocation, Unanchored, WatchlistLoad, WatchlistLog,
};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use time::OffsetDateTime;

#[derive(Clone)]
pub struct SqliteStore {
    db: Db,
}

impl SqliteStore {
    pub fn new(db: Db) -> Self {
        SqliteStore { db }
    }
}

fn ns(t: OffsetDateTime) -> i64 {
    // Nanoseconds since 1970 fit an i64 until 2262.
    i64::try_from(t.unix_timestamp_nanos()).unwrap_or(i64::MAX)
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Fault(guichet_core::ports::Fault::refused(e)))
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| corrupt(format!("stored item does not read back: {e}")))
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation)
}

fn read_app(body: String, version: i64) -> Result<Application, StoreError> {
    let mut app: Application = from_json(&body)?;
    app.version = u64::try_from(version).map_err(corrupt)?;
    Ok(app)
}

fn query_apps(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<Application>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let rows = stmt
        .query_map(args, |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .map_err(backend)?;
    rows.map(|r| r.map_err(backend).and_then(|(b, v)| read_app(b, v)))
        .collect()
}

/// The conditional write every change goes through: the row moves only from the version read.
fn write_app(
    tx: &Transaction<'_>,
    app: &Application,
    changes: &[StatusChange],
) -> Result<u64, StoreError> {
    let next = app.version + 1;
    let mut stored = app.clone();
    stored.version = next;
    if let Some(head) = append_events(tx, app, changes)? {
        // A new end waits for the next checkpoint, in the same write as the events.
        if !changes.is_empty() {
            tx.execute(
                "INSERT INTO audit_unanchored (application_id, seq, hash) VALUES (?1, ?2, ?3)
                 ON CONFLICT (application_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                params![app.id.to_string(), head.seq as i64, head.hash],
            )
            .map_err(backend)?;
        }
        stored.audit_head = Some(head);
    }
    let updated = tx
        .execute(
            "UPDATE applications SET office = ?1, status = ?2, updated_ns = ?3, version = ?4, body = ?5
             WHERE id = ?6 AND version = ?7",
            params![
                app.office.as_str(),
                app.status().as_str(),
                ns(app.updated_at),
                next as i64,
                to_json(&stored)?,
                app.id.to_string(),
                app.version as i64
            ],
        )
        .map_err(backend)?;
    if updated == 0 {
        return Err(StoreError::Conflict);
    }
    Ok(next)
}

/// An expired record may be replaced; a live one is a duplicate.
fn claim_key(tx: &Transaction<'_>, r: &IdempotencyRecord) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM idempotency WHERE scoped_key = ?1 AND expires_ns <= ?2",
        params![r.scoped_key, ns(r.at)],
    )
    .map_err(backend)?;
    tx.execute(
        "INSERT INTO idempotency (scoped_key, request_hash, application_id, expires_ns) VALUES (?1, ?2, ?3, ?4)",
        params![r.scoped_key, r.request_hash, r.application_id.to_string(), ns(r.expires_at)],
    )
    .map_err(|e| if is_unique_violation(&e) { StoreError::Duplicate } else { backend(e) })?;
    Ok(())
}

/// Each event carries the hash of the one before it, so an edited or removed event shows.
/// Appends the events to the application's chain, and those a later step acts on to the outbox;
/// returns the chain's last event then.
fn append_events(
    tx: &Transaction<'_>,
    app: &Application,
    changes: &[StatusChange],
) -> Result<Option<AuditHead>, StoreError> {
    let id = app.id;
    let last: Option<(i64, String)> = tx
        .query_row(
            "SELECT seq, hash FROM audit_events WHERE application_id = ?1 ORDER BY seq DESC LIMIT 1",
            params![id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(backend)?;
    if changes.is_empty() {
        return Ok(last.map(|(seq, hash)| AuditHead {
            seq: seq as u64,
            hash,
        }));
    }
    let (mut seq, mut prev) = last.unwrap_or((0, String::new()));
    for change in changes {
        seq += 1;
        let body = to_json(change)?;
        let hash = AuditEvent::chain_hash(&prev, seq as u64, &body);
        tx.execute(
            "INSERT INTO audit_events (application_id, seq, body, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id.to_string(), seq, body, prev, hash],
        )
        .map_err(backend)?;
        if let Some(event) = Event::of(app, seq as u64, change) {
            tx.execute(
                "INSERT INTO outbox (id, body, at_ns) VALUES (?1, ?2, ?3)",
                params![event.id, to_json(&event)?, ns(event.at)],
            )
            .map_err(backend)?;
        }
        prev = hash;
    }
    Ok(Some(AuditHead {
        seq: seq as u64,
        hash: prev,
    }))
}

fn insert_app(tx: &Transaction<'_>, app: &Application) -> Result<(), StoreError> {
    let mut stored = app.clone();
    stored.version = 1;
    tx.execute(
        "INSERT INTO applications (id, subject, office, status, payment_reference, created_ns, updated_ns, version, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8)",
        params![
            app.id.to_string(),
            app.subject.as_str(),
            app.office.as_str(),
            app.status().as_str(),
            app.payment_reference.as_str(),
            ns(app.created_at),
            ns(app.updated_at),
            to_json(&stored)?
        ],
    )
    .map_err(|e| if is_unique_violation(&e) { StoreError::Duplicate } else { backend(e) })?;
    Ok(())
}

#[async_trait]
impl ApplicationStore for SqliteStore {
    async fn create(
        &self,
        app: &Application,
        idem: Option<&IdempotencyRecord>,
    ) -> Result<(), StoreError> {
        let app = app.clone();
        let idem = idem.cloned();
        self.db
            .call(move |conn| {
                let tx = conn.transaction().map_err(backend)?;
                if let Some(r) = &idem {
                    claim_key(&tx, r)?;
                }
                insert_app(&tx, &app)?;
                tx.commit().map_err(backend)
            })
            .await
    }

    async fn get(&self, id: ApplicationId) -> Result<Option<Application>, StoreError> {
        self.db
            .call(move |conn| {
                Ok(query_apps(
                    conn,
                    "SELECT body, version FROM applications WHERE id = ?1",
                    params![id.to_string()],
                )?
                .pop())
            })
            .await
    }

    async fn find_by_payment_reference(
        &self,
        r: &PaymentReference,
    ) -> Result<Option<Application>, StoreError> {
        let r = r.clone();
        self.db
            .call(move |conn| {
                Ok(query_apps(
                    conn,
                    "SELECT body, version FROM applications WHERE payment_reference = ?1",
                    params![r.as_str()],
                )?
                .pop())
            })
            .await
    }

    async fn list_by_subject(
        &self,
        subject: &Subject,
        before: Option<Before>,
        limit: usize,
    ) -> Result<Vec<Application>, StoreError> {
        let subject = subject.clone();
        // After the cursor in the same order: an older creation, or the same with a lower id.
        let (before_ns, before_id) = match before {
            Some(b) => (Some(ns(b.at)), Some(b.id.to_string())),
            None => (None, None),
        };
        self.db
            .call(move |conn| {
                query_apps(
                    conn,
                    "SELECT body, version FROM applications WHERE subject = ?1
                     AND (?2 IS NULL OR created_ns < ?2 OR (created_ns = ?2 AND id < ?3))
                     ORDER BY created_ns DESC, id DESC LIMIT ?4",
                    params![subject.as_str(), before_ns, before_id, limit as i64],
                )
            })
            .await
    }

    async fn work_queue(
        &self,
        office: &OfficeCode,
        status: Status,
        limit: usize,
    ) -> Result<Vec<Application>, StoreError> {
        let office = office.clone();
        self.db
            .call(move |conn| {
                query_apps(
                    conn,
                    "SELECT body, version FROM applications WHERE office = ?1 AND status = ?2
                     ORDER BY updated_ns ASC, id ASC LIMIT ?3",
                    params![office.as_str(), status.as_str(), limit as i64],
                )
            })
            .await
    }

    async fn update(&self, app: &Application, changes: &[StatusChange]) -> Result<u64, StoreError> {
        let app = app.clone();
        let changes = changes.to_vec();
        self.db
            .call(move |conn| {
                let tx = conn.transaction().map_err(backend)?;
                let v = write_app(&tx, &app, &changes)?;
                tx.commit().map_err(backend)?;
                Ok(v)
            })
            .await
    }

    async fn update_once(
        &self,
        app: &Application,
        changes: &[StatusChange],
        idempotency: &IdempotencyRecord,
    ) -> Result<u64, StoreError> {
        let (app, changes, idem) = (app.clone(), changes.to_vec(), idempotency.clone());
        self.db
            .call(move |conn| {
                let tx = conn.transaction().map_err(backend)?;
                claim_key(&tx, &idem)?;
                let v = write_app(&tx, &app, &changes)?;
                tx.commit().map_err(backend)?;
                Ok(v)
            })
            .await
    }

    async fn history(&self, id: ApplicationId) -> Result<Vec<AuditEvent>, StoreError> {
        self.db
            .call(move |conn| {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT seq, body, prev_hash, hash FROM audit_events WHERE application_id = ?1 ORDER BY seq",
                    )
                    .map_err(backend)?;
                let rows = stmt
                    .query_map(params![id.to_string()], |r| {
                        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
                    })
                    .map_err(backend)?;
                rows.map(|r| {
                    let (seq, body, prev_hash, hash) = r.map_err(backend)?;
                    Ok(AuditEvent { seq: seq as u64, change: from_json(&body)?, prev_hash, hash })
                })
                .collect()
            })
            .await
    }

    async fn application_ids(&self) -> Result<Vec<ApplicationId>, StoreError> {
        self.db
            .call(move |conn| {
                let mut stmt = conn
                    .prepare("SELECT id FROM applications ORDER BY id")
                    .map_err(backend)?;
                let rows = stmt
                    .query_map([], |r| r.get::<_, String>(0))
                    .map_err(backend)?;
                rows.map(|r| {
                    r.map_err(backend)?
                        .parse()
                        .map_err(|_| corrupt("an application id that does not parse"))
                })
                .collect()
            })
            .await
    }

    async fn idempotency(
        &self,
        scoped_key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        let key = scoped_key.to_owned();
        self.db
            .call(move |conn| {
                let row = conn
                    .query_row(
                        "SELECT request_hash, application_id, expires_ns FROM idempotency WHERE scoped_key = ?1 AND expires_ns > ?2",
                        params![key, ns(now)],
                        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)),
                    )
                    .optional()
                    .map_err(backend)?;
                row.map(|(request_hash, id, expires)| {
                    Ok(IdempotencyRecord {
                        scoped_key: key.clone(),
                        request_hash,
                        application_id: id.parse().map_err(corrupt)?,
                        expires_at: OffsetDateTime::from_unix_timestamp_nanos(i128::from(expires)).map_err(corrupt)?,
                        at: now,
                    })
                })
                .transpose()
            })
            .await
    }
}

#[async_trait]
impl PaymentLedger for SqliteStore {
    async fn payment(&self, provider: Provider, txn: &str) -> Result<Option<Payment>, StoreError> {
        let txn = txn.to_owned();
        self.db
            .call(move |conn| {
                let body: Option<String> = conn
                    .query_row(
                        "SELECT body FROM payments WHERE provider = ?1 AND provider_txn = ?2",
                        params![provider.as_str(), txn],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(backend)?;
                body.map(|b| from_json(&b)).transpose()
            })
            .await
    }

    async fn record(
        &self,
        payment: &Payment,
        paid: Option<(&Application, &[StatusChange])>,
    ) -> Result<(), StoreError> {
        let payment = payment.clone();
        let paid = paid.map(|(a, c)| (a.clone(), c.to_vec()));
        self.db
            .call(move |conn| {
                let tx = conn.transaction().map_err(backend)?;
                tx.execute(
                    "INSERT INTO payments (provider, provider_txn, application_id, outcome, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        payment.provider.as_str(),
                        payment.provider_txn,
                        payment.application_id.map(|i| i.to_string()),
                        payment.outcome.as_str(),
                        to_json(&payment)?
                    ],
                )
                .map_err(|e| if is_unique_violation(&e) { StoreError::Duplicate } else { backend(e) })?;
                if let Some((app, changes)) = &paid {
                    write_app(&tx, app, changes)?;
                }
                tx.commit().map_err(backend)
            })
            .await
    }
}

#[async_trait]
impl DocumentRegistry for SqliteStore {
    async fn next_sequence(&self, prefix: NumberPrefix, year: u16) -> Result<u32, StoreError> {
        let name = format!("doc:{prefix}:{year}");
        self.db
            .call(move |conn| {
                let v: i64 = conn
                    .query_row(
                        "INSERT INTO counters (name, value) VALUES (?1, 1)
                         ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
                        params![name],
                        |r| r.get(0),
                    )
                    .map_err(backend)?;
                u32::try_from(v).map_err(corrupt)
            })
            .await
    }

    async fn register(
        &self,
        doc: &IssuedDocument,
        app: &Application,
        changes: &[StatusChange],
    ) -> Result<(), StoreError> {
        let doc = doc.clone();
        let app = app.clone();
        let changes = changes.to_vec();
        self.db
            .call(move |conn| {
                let tx = conn.transaction().map_err(backend)?;
                write_app(&tx, &app, &changes)?;
                tx.execute(
                    "INSERT INTO documents (number, application_id, body) VALUES (?1, ?2, ?3)",
                    params![
                        doc.number.to_string(),
                        doc.application_id.to_string(),
                        to_json(&doc)?
                    ],
                )
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        StoreError::Duplicate
                    } else {
                        backend(e)
                    }
                })?;
                tx.commit().map_err(backend)
            })
            .await
    }

    async fn revoke(
        &self,
        doc: &IssuedDocument,
        app: &Application,
        changes: &[StatusChange],
        key: Option<&IdempotencyRecord>,
    ) -> Result<u64, StoreError> {
        let doc = doc.clone();
        let app = app.clone();
        let changes = changes.to_vec();
        let key = key.cloned();
        self.db
            .call(move |conn| {
                let tx = conn.transaction().map_err(backend)?;
                if let Some(key) = &key {
                    claim_key(&tx, key)?;
                }
                let version = write_app(&tx, &app, &changes)?;
                let replaced = tx
                    .execute(
                        "UPDATE documents SET body = ?1
                         WHERE number = ?2 AND json_extract(body, '$.revocation') IS NULL",
                        params![to_json(&doc)?, doc.number.to_string()],
                    )
                    .map_err(backend)?;
                if replaced == 0 {
                    return Err(StoreError::Conflict);
                }
                tx.commit().map_err(backend)?;
                Ok(version)
            })
            .await
    }

    async fn document(
        &self,
        number: &DocumentNumber,
    ) -> Result<Option<IssuedDocument>, StoreError> {
        let number = number.to_string();
        self.db
            .call(move |conn| {
                let body: Option<String> = conn
                    .query_row(
                        "SELECT body FROM documents WHERE number = ?1",
                        params![number],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(backend)?;
                body.map(|b| from_json(&b)).transpose()
            })
            .await
    }

    async fn sealed_by(
        &self,
        kid: &str,
        from: OffsetDateTime,
        until: Option<OffsetDateTime>,
    ) -> Result<Vec<IssuedDocument>, StoreError> {
        let all: Vec<IssuedDocument> = self
            .db
            .call(move |conn| {
                let mut statement = conn
                    .prepare("SELECT body FROM documents ORDER BY number")
                    .map_err(backend)?;
                let bodies = statement
                    .query_map([], |r| r.get::<_, String>(0))
                    .map_err(backend)?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(backend)?;
                bodies.iter().map(|b| from_json(b)).collect()
            })
            .await?;
        Ok(guichet_core::ports::sealed_by_key(all, kid, from, until))
    }
}

#[async_trait]
impl RevokedTokens for SqliteStore {
    async fn revoke(&self, r: &TokenRevocation) -> Result<(), StoreError> {
        let (jti, body, until) = (r.jti.clone(), to_json(r)?, ns(r.until));
        self.db
            .call(move |conn| {
                // The first revocation stands.
                conn.execute(
                    "INSERT OR IGNORE INTO revoked_tokens (jti, body, until_ns) VALUES (?1, ?2, ?3)",
                    params![jti, body, until],
                )
                .map(|_| ())
                .map_err(backend)
            })
            .await
    }

    async fn revoked(&self, now: OffsetDateTime) -> Result<Vec<String>, StoreError> {
        let now = ns(now);
        self.db
            .call(move |conn| {
                let mut statement = conn
                    .prepare("SELECT jti FROM revoked_tokens WHERE until_ns > ?1")
                    .map_err(backend)?;
                statement
                    .query_map(params![now], |r| r.get(0))
                    .map_err(backend)?
                    .collect::<Result<Vec<String>, _>>()
                    .map_err(backend)
            })
            .await
    }
}

#[async_trait]
impl PublishedKeys for SqliteStore {
    async fn published(&self) -> Result<Option<KeySetDocument>, StoreError> {
        self.db
            .call(move |conn| {
                let body: Option<String> = conn
                    .query_row("SELECT body FROM published_keys WHERE id = 1", [], |r| {
                        r.get(0)
                    })
                    .optional()
                    .map_err(backend)?;
                body.map(|b| from_json(&b)).transpose()
            })
            .await
    }

    async fn publish(&self, set: &KeySetDocument) -> Result<(), StoreError> {
        let body = to_json(set)?;
        self.db
            .call(move |conn| {
                conn.execute(
                    "INSERT INTO published_keys (id, body) VALUES (1, ?1)
                     ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                    params![body],
                )
                .map(|_| ())
                .map_err(backend)
            })
            .await
    }
}

#[async_trait]
impl Unanchored for SqliteStore {
    async fn unanchored(
        &self,
        limit: usize,
    ) -> Result<Vec<(ApplicationId, AuditHead)>, StoreError> {
        self.db
            .call(move |conn| {
                let mut statement = conn
                    .prepare(
                        "SELECT application_id, seq, hash FROM audit_unanchored
                         ORDER BY application_id LIMIT ?1",
                    )
                    .map_err(backend)?;
                let rows = statement
                    .query_map(params![limit as i64], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, i64>(1)?,
                            r.get::<_, String>(2)?,
                        ))
                    })
                    .map_err(backend)?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(backend)?;
                rows.into_iter()
                    .map(|(id, seq, hash)| {
                        let id = id.parse().map_err(|_| corrupt("an unanchored id"))?;
                        Ok((
                            id,
                            AuditHead {
                                seq: seq as u64,
                                hash,
                            },
                        ))
                    })
                    .collect()
            })
            .await
    }

    async fn anchored(&self, id: ApplicationId, head: &AuditHead) -> Result<(), StoreError> {
        let (id, seq, hash) = (id.to_string(), head.seq as i64, head.hash.clone());
        self.db
            .call(move |conn| {
                conn.execute(
                    "DELETE FROM audit_unanchored WHERE application_id = ?1 AND seq = ?2 AND hash = ?3",
                    params![id, seq, hash],
                )
                .map(|_| ())
                .map_err(backend)
            })
            .await
    }
}

#[async_trait]
impl SentLog for SqliteStore {
    async fn claim(&self, key: &str, at: OffsetDateTime) -> Result<bool, StoreError> {
        let key = key.to_owned();
        let at = guichet_core::domain::rfc3339(at);
        self.db
            .call(move |conn| {
                conn.execute(
                    "INSERT OR IGNORE INTO notifications_sent (key, at) VALUES (?1, ?2)",
                    params![key, at],
                )
                .map(|n| n == 1)
                .map_err(backend)
            })
            .await
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.db
            .call(move |conn| {
                conn.execute(
                    "DELETE FROM notifications_sent WHERE key = ?1",
                    params![key],
                )
                .map(|_| ())
                .map_err(backend)
            })
            .await
    }
}

#[async_trait]
impl PartnerFeed for SqliteStore {
    async fn next_feed_seq(&self) -> Result<u64, StoreError> {
        self.db
            .call(move |conn| {
                let v: i64 = conn
                    .query_row(
                        "INSERT INTO counters (name, value) VALUES ('partner_feed', 1)
                         ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
                        [],
                        |r| r.get(0),
                    )
                    .map_err(backend)?;
                u64::try_from(v).map_err(corrupt)
            })
            .await
    }

    async fn has_event(&self, event_id: &str) -> Result<bool, StoreError> {
        let id = event_id.to_owned();
        self.db
            .call(move |conn| {
                conn.query_row(
                    "SELECT 1 FROM partner_feed WHERE event_id = ?1",
                    params![id],
                    |_| Ok(()),
                )
                .optional()
                .map(|r| r.is_some())
                .map_err(backend)
            })
            .await
    }

    async fn append(&self, record: &FeedRecord) -> Result<(), StoreError> {
        let seq = i64::try_from(record.seq).map_err(corrupt)?;
        let id = record.event_id.clone();
        let body = to_json(record)?;
        self.db
            .call(move |conn| {
                match conn.execute(
                    "INSERT INTO partner_feed (seq, event_id, body) VALUES (?1, ?2, ?3)",
                    params![seq, id, body],
                ) {
                    Ok(_) => Ok(()),
                    Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate),
                    Err(e) => Err(backend(e)),
                }
            })
            .await
    }

    async fn after(&self, seq: u64, limit: usize) -> Result<Vec<FeedRecord>, StoreError> {
        let seq = i64::try_from(seq).unwrap_or(i64::MAX);
        self.db
            .call(move |conn| {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT body FROM partner_feed WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                    )
                    .map_err(backend)?;
                let rows = stmt
                    .query_map(params![seq, limit as i64], |r| r.get::<_, String>(0))
                    .map_err(backend)?;
                rows.map(|r| from_json(&r.map_err(backend)?)).collect()
            })
            .await
    }
}

#[async_trait]
impl WatchlistLog for SqliteStore {
    async fn record_load(&self, load: &WatchlistLoad) -> Result<(), StoreError> {
        let seq = i64::try_from(load.seq).map_err(corrupt)?;
        let body = to_json(load)?;
        self.db
            .call(move |conn| {
                match conn.execute(
                    "INSERT INTO watchlist_loads (seq, body) VALUES (?1, ?2)",
                    params![seq, body],
                ) {
                    Ok(_) => Ok(()),
                    Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate),
                    Err(e) => Err(backend(e)),
                }
            })
            .await
    }

    async fn loads(&self, limit: usize) -> Result<Vec<WatchlistLoad>, StoreError> {
        self.db
            .call(move |conn| {
                let mut stmt = conn
                    .prepare_cached("SELECT body FROM watchlist_loads ORDER BY seq DESC LIMIT ?1")
                    .map_err(backend)?;
                let rows = stmt
                    .query_map(params![limit as i64], |r| r.get::<_, String>(0))
                    .map_err(backend)?;
                rows.map(|r| from_json(&r.map_err(backend)?)).collect()
            })
            .await
    }
}

#[async_trait]
impl Outbox for SqliteStore {
    async fn pending(
        &self,
        before: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        self.db
            .call(move |conn| {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT body FROM outbox WHERE at_ns < ?1 ORDER BY at_ns, id LIMIT ?2",
                    )
                    .map_err(backend)?;
                let rows = stmt
                    .query_map(params![ns(before), limit as i64], |r| r.get::<_, String>(0))
                    .map_err(backend)?;
                rows.map(|r| from_json(&r.map_err(backend)?)).collect()
            })
            .await
    }

    async fn forwarded(&self, event: &Event) -> Result<(), StoreError> {
        let id = event.id.clone();
        self.db
            .call(move |conn| {
                conn.execute("DELETE FROM outbox WHERE id = ?1", params![id])
                    .map_err(backend)?;
                Ok(())
            })
            .await
    }
}
