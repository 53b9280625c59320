//! A durable queue in SQLite with the semantics of SQS that the consumers rely on: a received
//! message is hidden for a visibility timeout and comes back unless acknowledged; after too many
//! receives it goes to the dead-letter state instead of being delivered again.

use super::db::{Db, backend};
use async_trait::async_trait;
use guichet_core::ports::{DeadLetters, Queue, QueueError, QueueName, StoreError, Undeliverable};
use rusqlite::params;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;

#[derive(Clone)]
pub struct LocalQueue {
    db: Db,
    max_receives: u32,
    arrived: Arc<Notify>,
}

/// A received message: ack it when done, or let it come back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: String,
    pub body: String,
    /// How many times it has been received, this time included.
    pub receive_count: u32,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl LocalQueue {
    pub fn new(db: Db, max_receives: u32) -> Self {
        LocalQueue {
            db,
            max_receives,
            arrived: Arc::new(Notify::new()),
        }
    }

    /// Wakes when a message is sent, so the pump does not have to poll fast.
    pub fn arrived(&self) -> Arc<Notify> {
        self.arrived.clone()
    }

    pub async fn receive(
        &self,
        queue: QueueName,
        max: usize,
        visibility: Duration,
    ) -> Result<Vec<Delivery>, StoreError> {
        let max_receives = self.max_receives;
        self.db
            .call(move |conn| {
                let now = now_ms();
                let tx = conn.transaction().map_err(backend)?;
                let candidates: Vec<(String, String, u32)> = {
                    let mut stmt = tx
                        .prepare_cached(
                            "SELECT id, body, attempts FROM queue_messages
                             WHERE queue = ?1 AND state = 'ready' AND visible_ms <= ?2
                             ORDER BY created_ms, id LIMIT ?3",
                        )
                        .map_err(backend)?;
                    let rows = stmt
                        .query_map(params![queue.as_str(), now, max as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                        .map_err(backend)?;
                    rows.collect::<Result<_, _>>().map_err(backend)?
                };
                let mut out = Vec::new();
                for (id, body, attempts) in candidates {
                    if attempts >= max_receives {
                        tx.execute("UPDATE queue_messages SET state = 'dead' WHERE id = ?1", params![id])
                            .map_err(backend)?;
                        tracing::warn!(queue = queue.as_str(), message_id = %id, attempts, "message moved to dead letters");
                        continue;
                    }
                    let visible = now + visibility.as_millis() as i64;
                    tx.execute(
                        "UPDATE queue_messages SET attempts = attempts + 1, visible_ms = ?2 WHERE id = ?1",
                        params![id, visible],
                    )
                    .map_err(backend)?;
                    out.push(Delivery { id, body, receive_count: attempts + 1 });
                }
                tx.commit().map_err(backend)?;
                Ok(out)
            })
            .await
    }

    /// Done with it: it will not come back. A message set aside meanwhile stays in the dead
    /// letters.
    pub async fn ack(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.db
            .call(move |conn| {
                conn.execute(
                    "DELETE FROM queue_messages WHERE id = ?1 AND state = 'ready'",
                    params![id],
                )
                .map_err(backend)?;
                Ok(())
            })
            .await
    }

    /// Failed: make it visible again after `delay` (shorter than the visibility timeout).
    pub async fn retry_after(&self, id: &str, delay: Duration) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.db
            .call(move |conn| {
                conn.execute(
                    "UPDATE queue_messages SET visible_ms = ?2 WHERE id = ?1 AND state = 'ready'",
                    params![id, now_ms() + delay.as_millis() as i64],
                )
                .map_err(backend)?;
                Ok(())
            })
            .await
    }

    /// Bodies of the messages that gave up, for ops to inspect and re-drive.
    pub async fn dead_letters(&self, queue: QueueName) -> Result<Vec<Delivery>, StoreError> {
        self.db
            .call(move |conn| {
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT id, body, attempts FROM queue_messages WHERE queue = ?1 AND state = 'dead' ORDER BY created_ms",
                    )
                    .map_err(backend)?;
                let rows = stmt
                    .query_map(params![queue.as_str()], |r| {
                        Ok(Delivery { id: r.get(0)?, body: r.get(1)?, receive_count: r.get(2)? })
                    })
                    .map_err(backend)?;
                rows.collect::<Result<_, _>>().map_err(backend)
            })
            .await
    }
}

/// A store error as the queue port says it.
fn queue_error(e: StoreError) -> QueueError {
    match e {
        StoreError::Fault(f) => QueueError(f),
        other => QueueError(guichet_core::ports::Fault::refused(other)),
    }
}

#[async_trait]
impl DeadLetters for LocalQueue {
    /// Straight to the dead letters, whatever its receive count.
    async fn set_aside(&self, message: &Undeliverable<'_>) -> Result<(), QueueError> {
        let id = message.message_id.to_owned();
        self.db
            .call(move |conn| {
                conn.execute(
                    "UPDATE queue_messages SET state = 'dead' WHERE id = ?1",
                    params![id],
                )
                .map_err(backend)?;
                Ok(())
            })
            .await
            .map_err(queue_error)?;
        tracing::warn!(
            message_id = message.message_id,
            reason = message.reason,
            "message set aside in the dead letters"
        );
        Ok(())
    }
}

#[async_trait]
impl Queue for LocalQueue {
    async fn send(&self, queue: QueueName, body: &str) -> Result<(), QueueError> {
        let body = body.to_owned();
        let id = ulid::Ulid::new().to_string();
        self.db
            .call(move |conn| {
                let now = now_ms();
                conn.execute(
                    "INSERT INTO queue_messages (id, queue, body, state, attempts, visible_ms, created_ms)
                     VALUES (?1, ?2, ?3, 'ready', 0, ?4, ?4)",
                    params![id, queue.as_str(), body, now],
                )
                .map_err(backend)?;
                Ok(())
            })
            .await
            .map_err(queue_error)?;
        self.arrived.notify_one();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(dir: &tempfile::TempDir, max: u32) -> LocalQueue {
        LocalQueue::new(Db::open(&dir.path().join("q.sqlite")).unwrap(), max)
    }

    #[tokio::test]
    async fn a_message_is_hidden_while_in_flight_and_gone_once_acked() {
        let dir = tempfile::tempdir().unwrap();
        let q = queue(&dir, 5);
        q.send(QueueName::IssueRequests, "one").await.unwrap();
        let got = q
            .receive(QueueName::IssueRequests, 10, Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].body.as_str(), got[0].receive_count), ("one", 1));
        assert!(
            q.receive(QueueName::IssueRequests, 10, Duration::from_secs(30))
                .await
                .unwrap()
                .is_empty()
        );
        q.ack(&got[0].id).await.unwrap();
        q.retry_after(&got[0].id, Duration::ZERO).await.unwrap();
        assert!(
            q.receive(QueueName::IssueRequests, 10, Duration::from_secs(30))
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn an_unacked_message_comes_back_then_dies_after_max_receives() {
        let dir = tempfile::tempdir().unwrap();
        let q = queue(&dir, 3);
        q.send(QueueName::IssueRequests, "poison").await.unwrap();
        for attempt in 1..=3 {
            let got = q
                .receive(QueueName::IssueRequests, 10, Duration::ZERO)
                .await
                .unwrap();
            assert_eq!(got.len(), 1, "attempt {attempt}");
            assert_eq!(got[0].receive_count, attempt);
        }
        assert!(
            q.receive(QueueName::IssueRequests, 10, Duration::ZERO)
                .await
                .unwrap()
                .is_empty()
        );
        let dead = q.dead_letters(QueueName::IssueRequests).await.unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].body, "poison");
    }

    #[tokio::test]
    async fn a_message_set_aside_goes_to_the_dead_letters_at_once_and_stays_there() {
        let dir = tempfile::tempdir().unwrap();
        let q = queue(&dir, 5);
        q.send(QueueName::IssueRequests, "unreadable")
            .await
            .unwrap();
        let got = q
            .receive(QueueName::IssueRequests, 10, Duration::ZERO)
            .await
            .unwrap();
        q.set_aside(&Undeliverable {
            message_id: &got[0].id,
            body: &got[0].body,
            reason: "unreadable",
        })
        .await
        .unwrap();
        q.ack(&got[0].id).await.unwrap();
        assert!(
            q.receive(QueueName::IssueRequests, 10, Duration::ZERO)
                .await
                .unwrap()
                .is_empty()
        );
        let dead = q.dead_letters(QueueName::IssueRequests).await.unwrap();
        assert_eq!((dead.len(), dead[0].receive_count), (1, 1));
    }

    #[tokio::test]
    async fn messages_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        queue(&dir, 3)
            .send(QueueName::IssueRequests, "durable")
            .await
            .unwrap();
        let reopened = queue(&dir, 3);
        let got = reopened
            .receive(QueueName::IssueRequests, 10, Duration::from_secs(1))
            .await
            .unwrap();
        assert_eq!(got[0].body, "durable");
    }
}
