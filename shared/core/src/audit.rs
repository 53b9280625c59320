//! Checking an application's audit trail: each event carries the hash of the one before, so an
//! edited, inserted, removed or reordered event breaks the chain where it happened; the
//! application records the trail's end in the same write; and checkpoints kept outside the store
//! (`usecases::audit`) remember ends the store may no longer show, so a trail cut short with its
//! recorded end rewritten, or an application put back as it was, shows too.

use crate::domain::{Application, ApplicationId, Status};
use crate::ports::{AnchoredHead, ApplicationStore, AuditEvent, StoreError};
use std::collections::HashMap;

/// Where a trail stops holding together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    /// Sequence numbers must run 1, 2, 3…: a removed or inserted event leaves a gap or a repeat.
    #[error("event {found} where event {expected} should be")]
    Sequence { expected: u64, found: u64 },
    /// The event does not name the hash of the one before it.
    #[error("event {seq} does not follow the event before it")]
    Link { seq: u64 },
    /// The event's content is not what its hash was computed over: it was edited.
    #[error("event {seq} was changed after it was written")]
    Content { seq: u64 },
    /// The application was last written with event `seq` as its trail's end, and the trail
    /// does not reach it (cut short) or reaches another event there (rewritten).
    #[error("the trail no longer holds event {seq}, the last one the application recorded")]
    Head { seq: u64 },
    /// The application records no end for a trail that has events, or for one that must have
    /// some (paid): its end was dropped.
    #[error("the application records no end of its trail")]
    NoHead,
    /// A checkpoint kept outside the store saw the trail reach event `seq`, and it no longer does
    /// (cut short), or holds another event there (rewritten), or the application records an
    /// earlier end (put back as it was).
    #[error("the trail no longer holds event {seq}, which a checkpoint saw")]
    Checkpoint { seq: u64 },
    /// A checkpoint saw this application, and the store no longer has it.
    #[error("the application is gone from the store, though a checkpoint saw it")]
    Gone,
}

/// Checks an application's trail against the end the application recorded. The recorded end
/// may lag (a write with no event keeps the one it read), so the trail must reach it, not stop
/// at it.
pub fn verify_trail(app: &Application, events: &[AuditEvent]) -> Result<(), ChainBreak> {
    verify_chain(events)?;
    match &app.audit_head {
        Some(head) if !reaches(events, head.seq, &head.hash) => {
            Err(ChainBreak::Head { seq: head.seq })
        }
        Some(_) => Ok(()),
        // No recorded end: fine only for a trail that has nothing yet (an unpaid application).
        None if events.is_empty() && app.status() == Status::AwaitingPayment => Ok(()),
        None => Err(ChainBreak::NoHead),
    }
}

/// Whether the trail holds event `seq`, with `hash`.
fn reaches(events: &[AuditEvent], seq: u64, hash: &str) -> bool {
    events
        .get((seq as usize).wrapping_sub(1))
        .is_some_and(|e| e.seq == seq && e.hash == hash)
}

/// Checks a trail against the furthest end checkpoints saw: it must still hold that event, and
/// the application must record that end or a later one.
pub fn verify_anchor(
    app: &Application,
    events: &[AuditEvent],
    anchor: &AnchoredHead,
) -> Result<(), ChainBreak> {
    let recorded = app.audit_head.as_ref().map_or(0, |h| h.seq);
    if !reaches(events, anchor.seq, &anchor.hash) || recorded < anchor.seq {
        return Err(ChainBreak::Checkpoint { seq: anchor.seq });
    }
    Ok(())
}

/// What `guichet audit verify` found over a whole store.
#[derive(Debug, Default)]
pub struct AuditReport {
    pub applications: usize,
    pub events: usize,
    pub broken: Vec<(ApplicationId, ChainBreak)>,
}

/// Checks every application's trail in the store, and against `anchors`, the furthest end
/// checkpoints saw of each trail they saw.
pub async fn verify_store(
    store: &dyn ApplicationStore,
    anchors: &HashMap<ApplicationId, AnchoredHead>,
) -> Result<AuditReport, StoreError> {
    let mut report = AuditReport::default();
    let ids = store.application_ids().await?;
    for id in &ids {
        let Some(app) = store.get(*id).await? else {
            continue;
        };
        let events = store.history(*id).await?;
        report.applications += 1;
        report.events += events.len();
        let checked = verify_trail(&app, &events).and_then(|()| match anchors.get(id) {
            Some(anchor) => verify_anchor(&app, &events, anchor),
            None => Ok(()),
        });
        if let Err(e) = checked {
            report.broken.push((*id, e));
        }
    }
    let known: std::collections::HashSet<&ApplicationId> = ids.iter().collect();
    for id in anchors.keys().filter(|id| !known.contains(id)) {
        report.broken.push((*id, ChainBreak::Gone));
    }
    Ok(report)
}

/// Checks a whole trail, oldest first. A trail cut short at its end still holds together:
/// `verify_trail` compares it with the end the application recorded to catch that.
pub fn verify_chain(events: &[AuditEvent]) -> Result<(), ChainBreak> {
    let mut prev = String::new();
    for (i, e) in events.iter().enumerate() {
        let expected = i as u64 + 1;
        if e.seq != expected {
            return Err(ChainBreak::Sequence {
                expected,
                found: e.seq,
            });
        }
        if e.prev_hash != prev {
            return Err(ChainBreak::Link { seq: e.seq });
        }
        let body =
            serde_json::to_string(&e.change).map_err(|_| ChainBreak::Content { seq: e.seq })?;
        if AuditEvent::chain_hash(&prev, e.seq, &body) != e.hash {
            return Err(ChainBreak::Content { seq: e.seq });
        }
        prev = e.hash.clone();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Actor, Status, StatusChange};
    use time::macros::datetime;

    fn trail(n: u64) -> Vec<AuditEvent> {
        let moves = [
            (Status::AwaitingPayment, Status::InReview),
            (Status::InReview, Status::Approved),
            (Status::Approved, Status::Issued),
        ];
        let mut prev = String::new();
        (1..=n)
            .map(|seq| {
                let (from, to) = moves[(seq as usize - 1) % moves.len()];
                let change = StatusChange {
                    from,
                    to,
                    at: datetime!(2026-11-25 10:00 UTC),
                    actor: Actor::system("test"),
                    reason: None,
                    event: Default::default(),
                    step: None,
                };
                let body = serde_json::to_string(&change).unwrap();
                let hash = AuditEvent::chain_hash(&prev, seq, &body);
                let e = AuditEvent {
                    seq,
                    change,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    #[test]
    fn an_untouched_trail_holds() {
        assert_eq!(verify_chain(&trail(3)), Ok(()));
        assert_eq!(verify_chain(&[]), Ok(()));
    }

    #[test]
    fn an_edited_event_is_caught_where_it_was_edited() {
        let mut t = trail(3);
        t[1].change.reason = Some("approuvé sans examen".into());
        assert_eq!(verify_chain(&t), Err(ChainBreak::Content { seq: 2 }));
        // Editing and recomputing its hash moves the break to the next event.
        let mut t = trail(3);
        t[1].change.reason = Some("approuvé sans examen".into());
        let body = serde_json::to_string(&t[1].change).unwrap();
        t[1].hash = AuditEvent::chain_hash(&t[1].prev_hash, 2, &body);
        assert_eq!(verify_chain(&t), Err(ChainBreak::Link { seq: 3 }));
    }

    #[test]
    fn a_removed_inserted_or_reordered_event_is_caught() {
        let mut removed = trail(3);
        removed.remove(1);
        assert_eq!(
            verify_chain(&removed),
            Err(ChainBreak::Sequence {
                expected: 2,
                found: 3
            })
        );
        let mut inserted = trail(3);
        let copy = inserted[0].clone();
        inserted.insert(1, copy);
        assert!(verify_chain(&inserted).is_err());
        let mut renumbered = trail(3);
        renumbered.remove(1);
        renumbered[1].seq = 2;
        assert_eq!(verify_chain(&renumbered), Err(ChainBreak::Link { seq: 2 }));
        let mut swapped = trail(3);
        swapped.swap(1, 2);
        assert!(verify_chain(&swapped).is_err());
    }
}
