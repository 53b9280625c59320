//! A durable queue in SQLite with the semantics of SQS that the consumers rely on: a received
//! message is hidden for a visibility timeout and comes back unless acknowledged; after too many
//! receives it goes to the dead-letter state instead of being delivered again.
//!
//! One thing it knows that SQS cannot: when the one process that consumes a data directory starts,
//! what the last one held is known to have been cut off by its stop (a kill, a crash, a power
//! cut), not refused by the consumer. Such a delivery is given back rather than counted toward the
//! dead letters, so a run of restarts cannot bury good messages; it is still counted apart, so a
//! message that brings the process down every time it is read stops after
//! `MAX_INTERRUPTIONS` of them.

use super::db::{Db, backend, now_ms};
use async_trait::async_trait;
use guichet_core::domain::{Event, Subscription};
use guichet_core::ports::{
    DeadLetters, EventBus, QueueError, QueueName, StoreError, Undeliverable,
};
use rusqlite::params;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Deliveries cut off by the process's stop before a message goes to the dead letters anyway: a
/// message that crashes the process each time it is read.
pub const MAX_INTERRUPTIONS: u32 = 10;

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
                let candidates: Vec<(String, String, u32, u32)> = {
                    let mut stmt = tx
                        .prepare_cached(
                            "SELECT id, body, attempts, interrupted FROM queue_messages
                             WHERE queue = ?1 AND state = 'ready' AND visible_ms <= ?2
                             ORDER BY created_ms, id LIMIT ?3",
                        )
                        .map_err(backend)?;
                    let rows = stmt
                        .query_map(params![queue.as_str(), now, max as i64], |r| {
                            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                        })
                        .map_err(backend)?;
                    rows.collect::<Result<_, _>>().map_err(backend)?
                };
                let mut out = Vec::new();
                for (id, body, attempts, interrupted) in candidates {
                    if attempts >= max_receives || interrupted >= MAX_INTERRUPTIONS {
                        tx.execute("UPDATE queue_messages SET state = 'dead' WHERE id = ?1", params![id])
                            .map_err(backend)?;
                        tracing::warn!(queue = queue.as_str(), message_id = %id, attempts, interrupted, "message moved to dead letters");
                        continue;
                    }
                    let visible = now + visibility.as_millis() as i64;
                    tx.execute(
                        "UPDATE queue_messages SET attempts = attempts + 1, visible_ms = ?2, leased = 1 WHERE id = ?1",
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

    /// Makes the messages in flight visible again: what a process was working on when it stopped
    /// (a crash, a kill) is delivered again at once by the next one, rather than after its
    /// visibility timeout, and that cut-off delivery is given back (counted as an interruption,
    /// not a receive). A message waiting out a retry delay keeps it. Only for the one process
    /// that consumes the data directory's queues, at its start.
    pub async fn reclaim(&self) -> Result<usize, StoreError> {
        self.db
            .call(move |conn| {
                let now = now_ms();
                conn.execute(
                    "UPDATE queue_messages
                     SET visible_ms = ?1, leased = 0, interrupted = interrupted + 1,
                         attempts = MAX(attempts - 1, 0)
                     WHERE state = 'ready' AND leased = 1",
                    params![now],
                )
                .map_err(backend)
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
                    "UPDATE queue_messages SET visible_ms = ?2, leased = 0 WHERE id = ?1 AND state = 'ready'",
                    params![id, now_ms() + delay.as_millis() as i64],
                )
                .map_err(backend)?;
                Ok(())
            })
            .await
    }

    /// The messages not yet done with, in every queue: waiting, in flight, or waiting out a
    /// retry delay.
    pub async fn unfinished(&self) -> Result<usize, StoreError> {
        self.count("ready").await
    }

    /// The messages set aside in the dead letters, in every queue.
    pub async fn dead(&self) -> Result<usize, StoreError> {
        self.count("dead").await
    }

    async fn count(&self, state: &'static str) -> Result<usize, StoreError> {
        self.db
            .call(move |conn| {
                conn.query_row(
                    "SELECT COUNT(*) FROM queue_messages WHERE state = ?1",
                    params![state],
                    |r| r.get::<_, i64>(0),
                )
                .map(|n| n as usize)
                .map_err(backend)
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

impl LocalQueue {
    /// Puts a message on a queue.
    pub async fn send(&self, queue: QueueName, body: &str) -> Result<(), QueueError> {
        let id = ulid::Ulid::new().to_string();
        self.send_all(vec![(queue, id, body.to_owned())]).await
    }

    /// Puts messages on their queues in one transaction; a message whose id is there already
    /// is not put twice.
    async fn send_all(&self, messages: Vec<(QueueName, String, String)>) -> Result<(), QueueError> {
        if messages.is_empty() {
            return Ok(());
        }
        self.db
            .call(move |conn| {
                let now = now_ms();
                let tx = conn.transaction().map_err(backend)?;
                for (queue, id, body) in &messages {
                    tx.execute(
                        "INSERT OR IGNORE INTO queue_messages (id, queue, body, state, attempts, visible_ms, created_ms)
                         VALUES (?1, ?2, ?3, 'ready', 0, ?4, ?4)",
                        params![id, queue.as_str(), body, now],
                    )
                    .map_err(backend)?;
                }
                tx.commit().map_err(backend)
            })
            .await
            .map_err(queue_error)?;
        self.arrived.notify_one();
        Ok(())
    }
}

/// The fan-out on one machine: an event becomes a message on the queue of each consumer
/// subscribed to its type, all in one transaction, each message named after its queue and the
/// event so that a second publication of the same event adds nothing still waiting.
#[derive(Clone)]
pub struct LocalEventBus {
    queue: LocalQueue,
    subscriptions: Vec<Subscription>,
}

impl LocalEventBus {
    pub fn new(queue: LocalQueue, subscriptions: &[Subscription]) -> Self {
        LocalEventBus {
            queue,
            subscriptions: subscriptions.to_vec(),
        }
    }
}

#[async_trait]
impl EventBus for LocalEventBus {
    async fn publish(&self, event: &Event) -> Result<(), QueueError> {
        let body = serde_json::to_string(event)
            .map_err(|e| QueueError(guichet_core::ports::Fault::refused(e)))?;
        let messages = self
            .subscriptions
            .iter()
            .filter(|s| s.wants(event))
            .map(|s| {
                (
                    QueueName(s.queue),
                    format!("{}/{}", s.queue, event.id),
                    body.clone(),
                )
            })
            .collect();
        self.queue.send_all(messages).await
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
        q.send(QueueName::ISSUE_REQUESTS, "one").await.unwrap();
        let got = q
            .receive(QueueName::ISSUE_REQUESTS, 10, Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].body.as_str(), got[0].receive_count), ("one", 1));
        assert!(
            q.receive(QueueName::ISSUE_REQUESTS, 10, Duration::from_secs(30))
                .await
                .unwrap()
                .is_empty()
        );
        q.ack(&got[0].id).await.unwrap();
        q.retry_after(&got[0].id, Duration::ZERO).await.unwrap();
        assert!(
            q.receive(QueueName::ISSUE_REQUESTS, 10, Duration::from_secs(30))
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn an_unacked_message_comes_back_then_dies_after_max_receives() {
        let dir = tempfile::tempdir().unwrap();
        let q = queue(&dir, 3);
        q.send(QueueName::ISSUE_REQUESTS, "poison").await.unwrap();
        for attempt in 1..=3 {
            let got = q
                .receive(QueueName::ISSUE_REQUESTS, 10, Duration::ZERO)
                .await
                .unwrap();
            assert_eq!(got.len(), 1, "attempt {attempt}");
            assert_eq!(got[0].receive_count, attempt);
        }
        assert!(
            q.receive(QueueName::ISSUE_REQUESTS, 10, Duration::ZERO)
                .await
                .unwrap()
                .is_empty()
        );
        let dead = q.dead_letters(QueueName::ISSUE_REQUESTS).await.unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].body, "poison");
    }

    #[tokio::test]
    async fn a_message_set_aside_goes_to_the_dead_letters_at_once_and_stays_there() {
        let dir = tempfile::tempdir().unwrap();
        let q = queue(&dir, 5);
        q.send(QueueName::ISSUE_REQUESTS, "unreadable")
            .await
            .unwrap();
        let got = q
            .receive(QueueName::ISSUE_REQUESTS, 10, Duration::ZERO)
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
            q.receive(QueueName::ISSUE_REQUESTS, 10, Duration::ZERO)
                .await
                .unwrap()
                .is_empty()
        );
        let dead = q.dead_letters(QueueName::ISSUE_REQUESTS).await.unwrap();
        assert_eq!((dead.len(), dead[0].receive_count), (1, 1));
    }

    #[tokio::test]
    async fn a_new_process_takes_back_what_a_killed_one_had_in_flight() {
        let dir = tempfile::tempdir().unwrap();
        let q = queue(&dir, 5);
        q.send(QueueName::ISSUE_REQUESTS, "in flight")
            .await
            .unwrap();
        let got = q
            .receive(QueueName::ISSUE_REQUESTS, 10, Duration::from_secs(3600))
            .await
            .unwrap();
        assert_eq!(got.len(), 1);
        let next = queue(&dir, 5);
        assert_eq!(next.reclaim().await.unwrap(), 1);
        let again = next
            .receive(QueueName::ISSUE_REQUESTS, 10, Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(
            (again[0].body.as_str(), again[0].receive_count),
            ("in flight", 1),
            "the delivery the stop cut off is not held against the message"
        );
    }

    #[tokio::test]
    async fn restarts_never_bury_a_message_but_one_that_kills_every_process_stops() {
        let dir = tempfile::tempdir().unwrap();
        let q = queue(&dir, 3);
        q.send(QueueName::ISSUE_REQUESTS, "unlucky").await.unwrap();
        // More restarts than receives allowed, each while the message is in flight.
        for restart in 1..MAX_INTERRUPTIONS {
            let got = q
                .receive(QueueName::ISSUE_REQUESTS, 10, Duration::from_secs(3600))
                .await
                .unwrap();
            assert_eq!(got.len(), 1, "restart {restart}");
            assert_eq!(queue(&dir, 3).reclaim().await.unwrap(), 1);
        }
        let last = q
            .receive(QueueName::ISSUE_REQUESTS, 10, Duration::from_secs(3600))
            .await
            .unwrap();
        assert_eq!(
            last.len(),
            1,
            "still delivered after {} restarts",
            MAX_INTERRUPTIONS - 1
        );
        q.reclaim().await.unwrap();
        assert!(
            q.receive(QueueName::ISSUE_REQUESTS, 10, Duration::ZERO)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            q.dead_letters(QueueName::ISSUE_REQUESTS)
                .await
                .unwrap()
                .len(),
            1
        );

        // A failure reported by the consumer counts, restart or not.
        q.send(QueueName::ISSUE_REQUESTS, "refused").await.unwrap();
        for _ in 0..3 {
            let got = q
                .receive(QueueName::ISSUE_REQUESTS, 10, Duration::from_secs(3600))
                .await
                .unwrap();
            q.retry_after(&got[0].id, Duration::from_millis(1))
                .await
                .unwrap();
            assert_eq!(
                q.reclaim().await.unwrap(),
                0,
                "waiting out its delay, not in flight"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(
            q.receive(QueueName::ISSUE_REQUESTS, 10, Duration::ZERO)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            q.dead_letters(QueueName::ISSUE_REQUESTS)
                .await
                .unwrap()
                .len(),
            2
        );
    }

    #[tokio::test]
    async fn a_data_directory_of_the_version_before_is_taken_over_with_its_message_in_flight() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.sqlite");
        {
            // The queue table as it was, a message received and hidden for an hour.
            let old = rusqlite::Connection::open(&path).unwrap();
            old.execute_batch(
                "CREATE TABLE queue_messages (id TEXT PRIMARY KEY, queue TEXT NOT NULL,
                 body TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
                 visible_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL);",
            )
            .unwrap();
            old.execute(
                "INSERT INTO queue_messages VALUES ('m1', ?1, 'in flight', 'ready', 1, ?2, 0)",
                params![QueueName::ISSUE_REQUESTS.as_str(), now_ms() + 3_600_000],
            )
            .unwrap();
        }
        let q = LocalQueue::new(Db::open(&path).unwrap(), 5);
        assert_eq!(
            q.reclaim().await.unwrap(),
            1,
            "taken back at the first start"
        );
        let got = q
            .receive(QueueName::ISSUE_REQUESTS, 10, Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(
            (got[0].body.as_str(), got[0].receive_count),
            ("in flight", 1)
        );
        // Opened again: the columns are there, nothing is added twice.
        Db::open(&path).unwrap();
    }

    #[tokio::test]
    async fn messages_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        queue(&dir, 3)
            .send(QueueName::ISSUE_REQUESTS, "durable")
            .await
            .unwrap();
        let reopened = queue(&dir, 3);
        let got = reopened
            .receive(QueueName::ISSUE_REQUESTS, 10, Duration::from_secs(1))
            .await
            .unwrap();
        assert_eq!(got[0].body, "durable");
    }
}

#[cfg(test)]
mod fan_out {
    use super::*;
    use guichet_core::domain::{ApplicationId, DocumentKind, EventType, ISSUE, OfficeCode};

    #[tokio::test]
    async fn one_event_reaches_each_subscriber_once_and_only_those_that_want_it() {
        let dir = tempfile::tempdir().unwrap();
        let q = LocalQueue::new(Db::open(&dir.path().join("q.sqlite")).unwrap(), 5);
        let observer = Subscription {
            queue: "observer",
            types: &[EventType::Approved, EventType::Paid],
        };
        let bus = LocalEventBus::new(q.clone(), &[ISSUE, observer]);
        let event = |event_type, seq| Event {
            id: format!("01KAPPLICATION000000000000.{seq}"),
            event_type,
            application_id: ApplicationId::new(ulid::Ulid::new()),
            kind: DocumentKind::CRIMINAL_RECORD_EXTRACT,
            office: OfficeCode::parse("TGI-BKO-C3").unwrap(),
            at: time::OffsetDateTime::now_utc(),
        };
        let approved = event(EventType::Approved, 3);
        // Published twice, as a forwarder that crashed before clearing its outbox would.
        bus.publish(&approved).await.unwrap();
        bus.publish(&approved).await.unwrap();
        bus.publish(&event(EventType::Paid, 2)).await.unwrap();
        let receive = |name| {
            let q = q.clone();
            async move {
                q.receive(QueueName(name), 10, Duration::from_secs(60))
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|d| serde_json::from_str::<Event>(&d.body).unwrap().event_type)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(receive("issue-requests").await, [EventType::Approved]);
        let mut seen = receive("observer").await;
        seen.sort_by_key(|t| t.as_str());
        assert_eq!(seen, [EventType::Approved, EventType::Paid]);
    }
}
