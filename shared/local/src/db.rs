//! One SQLite file holds the store and the queue; writes are serialised through one connection.

use guichet_core::ports::{Fault, FaultKind, StoreError};
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;
use std::sync::{Arc, Mutex};

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS applications (
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    office TEXT NOT NULL,
    status TEXT NOT NULL,
    payment_reference TEXT NOT NULL UNIQUE,
    created_ns INTEGER NOT NULL,
    updated_ns INTEGER NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS applications_by_subject ON applications (subject, created_ns DESC, id DESC);
CREATE INDEX IF NOT EXISTS applications_by_office ON applications (office, status, updated_ns, id);
CREATE TABLE IF NOT EXISTS audit_events (
    application_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (application_id, seq)
);
CREATE TABLE IF NOT EXISTS audit_unanchored (
    application_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS published_keys (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS revoked_tokens (
    jti TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    until_ns INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS payments (
    provider TEXT NOT NULL,
    provider_txn TEXT NOT NULL,
    application_id TEXT,
    outcome TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (provider, provider_txn)
);
CREATE TABLE IF NOT EXISTS idempotency (
    scoped_key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    application_id TEXT NOT NULL,
    expires_ns INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    number TEXT PRIMARY KEY,
    application_id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS queue_messages (
    id TEXT PRIMARY KEY,
    queue TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    visible_ms INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    leased INTEGER NOT NULL DEFAULT 0,
    interrupted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS queue_ready ON queue_messages (queue, state, visible_ms, created_ms);
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    at_ns INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_by_time ON outbox (at_ns, id);
CREATE TABLE IF NOT EXISTS partner_feed (
    seq INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS notifications_sent (
    key TEXT PRIMARY KEY,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS watchlist_loads (
    seq INTEGER PRIMARY KEY,
    body TEXT NOT NULL
);
"#;

/// A shared handle on the database. Calls run on the blocking pool so the async runtime never
/// waits on the disk.
#[derive(Clone)]
pub struct Db(Arc<Mutex<Connection>>);

impl Db {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path).map_err(backend)?;
        // Another process (guichet keys, guichet token) writes the same file. A deferred
        // transaction that read before that process committed cannot write after it, and SQLite
        // answers "locked" at once instead of waiting: every transaction takes the write lock
        // when it begins, so it waits its turn within the busy timeout.
        conn.set_transaction_behavior(TransactionBehavior::Immediate);
        // WAL lets readers proceed during a write; FULL sync makes a committed write survive a
        // power cut, which is what "nothing is lost" means for a payment.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
        )
        .map_err(backend)?;
        conn.execute_batch(SCHEMA).map_err(backend)?;
        migrate(&conn).map_err(backend)?;
        Ok(Db(Arc::new(Mutex::new(conn))))
    }

    pub async fn call<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = self.0.clone();
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock poisons it; the connection itself is still sound
            // (SQLite rolled back the open transaction), so keep serving.
            let mut conn = inner
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(|e| {
            StoreError::Fault(Fault::new(
                FaultKind::Unavailable,
                format!("database task: {e}"),
            ))
        })?
    }
}

/// Columns added after a data directory may have been made: added to an older file, once.
fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    const ADDED: [(&str, &str, &str); 2] = [
        ("queue_messages", "leased", "INTEGER NOT NULL DEFAULT 0"),
        (
            "queue_messages",
            "interrupted",
            "INTEGER NOT NULL DEFAULT 0",
        ),
    ];
    // One process at a time: two opening an old file together must not both add a column.
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = add_columns(conn, &ADDED);
    conn.execute_batch(if result.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
    result
}

fn add_columns(conn: &Connection, added: &[(&str, &str, &str)]) -> rusqlite::Result<()> {
    for &(table, column, declaration) in added {
        let present: bool = conn.query_row(
            "SELECT COUNT(*) > 0 FROM pragma_table_info(?1) WHERE name = ?2",
            rusqlite::params![table, column],
            |r| r.get(0),
        )?;
        if present {
            continue;
        }
        conn.execute_batch(&format!(
            "ALTER TABLE {table} ADD COLUMN {column} {declaration}"
        ))?;
        if column == "leased" {
            // What the previous version had in flight (hidden, not yet acknowledged) is taken
            // back at this start, as it was before the column existed.
            conn.execute(
                "UPDATE queue_messages SET leased = 1 WHERE state = 'ready' AND visible_ms > ?1",
                rusqlite::params![now_ms()],
            )?;
        }
    }
    Ok(())
}

/// The wall clock in milliseconds, as the queue's visibility times are kept.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// What a failed SQLite call means: another writer holding the lock (the busy timeout ran out)
/// or a full or failing disk may pass; anything else is the call itself.
pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    let kind = match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => FaultKind::Throttled,
        Some(
            ErrorCode::SystemIoFailure
            | ErrorCode::DiskFull
            | ErrorCode::OutOfMemory
            | ErrorCode::CannotOpen,
        ) => FaultKind::Unavailable,
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => FaultKind::Corrupt,
        _ => FaultKind::Refused,
    };
    StoreError::Fault(Fault::new(kind, e))
}

/// A stored value that does not read back as what was written.
pub(crate) fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Fault(Fault::corrupt(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The CI failure of 38231fa: `guichet keys compromise` read, the running service wrote,
    /// and the command's write was refused as "database is locked".
    #[test]
    fn a_transaction_that_read_still_writes_when_another_process_wanted_to_write_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("two.sqlite");
        let db = Db::open(&path).unwrap();
        let mut ours = db.0.lock().unwrap();
        ours.execute_batch("CREATE TABLE t (n INTEGER)").unwrap();
        let tx = ours.transaction().unwrap();
        let before: i64 = tx
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        // The other process does not wait here (timeout 0) so that the test never blocks: it
        // is refused because our transaction already holds the write lock.
        let other = Connection::open(&path).unwrap();
        other.busy_timeout(std::time::Duration::ZERO).unwrap();
        let theirs = other.execute("INSERT INTO t VALUES (1)", []);
        assert!(theirs.is_err(), "the other writer went first: {theirs:?}");
        tx.execute("INSERT INTO t VALUES (?1)", [before + 1])
            .unwrap();
        tx.commit().unwrap();
        drop(ours);
        other.execute("INSERT INTO t VALUES (2)", []).unwrap();
    }
}
