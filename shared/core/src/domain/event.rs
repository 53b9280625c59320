//! What happened to an application, as the later steps hear of it.
//!
//! Every change of an application is an entry of its audit trail; the entries a later step acts
//! on are also events. A store writes an application's events in the same write as the change
//! (the outbox), a forwarder hands each to every consumer subscribed to its type (a queue each),
//! and so a change and its message can never be separated by a crash.

use super::{
    Application, ApplicationId, DocumentKind, EntryKind, OfficeCode, Status, StatusChange,
};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    /// Paid: the application goes to its office.
    Paid,
    Approved,
    Rejected,
    /// The office asked the applicant for information.
    InfoRequested,
    /// The applicant answered: back to the office.
    Answered,
    Issued,
    Revoked,
    /// Never paid, closed by the reconcile step.
    Expired,
    Cancelled,
    /// An approval with no document after too long: the reconcile step asks for it again.
    IssueRequested,
    /// A clerk proposed: a signatory of the office must sign.
    Proposed,
    /// A signatory refused to sign: back to the clerk.
    Returned,
    /// A workflow step was done while others of its stage are still open.
    StepDone,
    /// A border post recorded a crossing on an issued visa.
    Crossed,
}

impl EventType {
    pub const ALL: [EventType; 14] = [
        EventType::Paid,
        EventType::Approved,
        EventType::Rejected,
        EventType::InfoRequested,
        EventType::Answered,
        EventType::Issued,
        EventType::Revoked,
        EventType::Expired,
        EventType::Cancelled,
        EventType::IssueRequested,
        EventType::Proposed,
        EventType::Returned,
        EventType::StepDone,
        EventType::Crossed,
    ];

    /// As it is written in messages and in subscription filters.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Paid => "paid",
            EventType::Approved => "approved",
            EventType::Rejected => "rejected",
            EventType::InfoRequested => "info_requested",
            EventType::Answered => "answered",
            EventType::Issued => "issued",
            EventType::Revoked => "revoked",
            EventType::Expired => "expired",
            EventType::Cancelled => "cancelled",
            EventType::IssueRequested => "issue_requested",
            EventType::Proposed => "proposed",
            EventType::Returned => "returned",
            EventType::StepDone => "step_done",
            EventType::Crossed => "crossed",
        }
    }

    /// The event an audit entry is, if any: staff reads are recorded, not announced.
    fn of(change: &StatusChange) -> Option<EventType> {
        use Status::*;
        match change.event {
            EntryKind::Read | EntryKind::KeyCompromised | EntryKind::Contact => None,
            EntryKind::Revocation => Some(EventType::Revoked),
            EntryKind::Redrive => Some(EventType::IssueRequested),
            EntryKind::Step => Some(EventType::StepDone),
            EntryKind::Crossing => Some(EventType::Crossed),
            EntryKind::Transition => match (change.from, change.to) {
                (AwaitingPayment, NeedsInfo) => Some(EventType::Paid),
                (NeedsInfo, InReview) => Some(EventType::Answered),
                (AwaitingSignature, InReview) => Some(EventType::Returned),
                (_, AwaitingSignature) => Some(EventType::Proposed),
                (_, InReview) => Some(EventType::Paid),
                (_, Approved) => Some(EventType::Approved),
                (_, Rejected) => Some(EventType::Rejected),
                (_, NeedsInfo) => Some(EventType::InfoRequested),
                (_, Issued) => Some(EventType::Issued),
                (_, Expired) => Some(EventType::Expired),
                (_, Cancelled) => Some(EventType::Cancelled),
                (_, AwaitingPayment) => None,
            },
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event, as it travels in the outbox and on the queues: enough for a consumer to find the
/// application and decide whether it cares, and no personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// `<application id>.<audit sequence>`: one per audit entry, so a redelivery is recognised.
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub application_id: ApplicationId,
    pub kind: DocumentKind,
    pub office: OfficeCode,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl Event {
    /// The event audit entry `seq` of `app` is, if it is one.
    pub fn of(app: &Application, seq: u64, change: &StatusChange) -> Option<Event> {
        Some(Event {
            id: format!("{}.{seq}", app.id),
            event_type: EventType::of(change)?,
            application_id: app.id,
            kind: app.kind,
            office: app.office.clone(),
            at: change.at,
        })
    }
}

/// Who hears of which events: one queue per consumer, so two consumers never split one queue's
/// messages. The SAM template's subscriptions must say the same (a test holds them together).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The consumer's queue (locally its name; on AWS the queue the template subscribes).
    pub queue: &'static str,
    pub types: &'static [EventType],
}

impl Subscription {
    pub fn wants(&self, event: &Event) -> bool {
        self.types.contains(&event.event_type)
    }
}

/// The issue step: an approval, or a request to issue again.
pub const ISSUE: Subscription = Subscription {
    queue: "issue-requests",
    types: &[EventType::Approved, EventType::IssueRequested],
};

/// The screen step: a paid application is matched against the watchlist; an answered one again,
/// in case the traveller's name was corrected.
pub const SCREEN: Subscription = Subscription {
    queue: "screening-requests",
    types: &[EventType::Paid, EventType::Answered],
};

/// The partner feed: what happened to visas, for the AES partner states.
pub const FEED: Subscription = Subscription {
    queue: "partner-feed",
    types: &[EventType::Issued, EventType::Revoked, EventType::Crossed],
};

/// The notify step: what the applicant is told by email and SMS (`notifications`).
pub const NOTIFY: Subscription = Subscription {
    queue: "notifications",
    types: &[
        EventType::Paid,
        EventType::InfoRequested,
        EventType::Approved,
        EventType::Rejected,
        EventType::Issued,
        EventType::Revoked,
        // A visa's, for its holder (`Kind::notified`).
        EventType::Crossed,
    ],
};

/// Every consumer of application events.
pub const SUBSCRIPTIONS: &[Subscription] = &[ISSUE, SCREEN, FEED, NOTIFY];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Actor;
    use time::macros::datetime;

    #[test]
    fn each_move_is_the_event_a_later_step_waits_for_and_reads_are_none() {
        let mut app = Application::example();
        let at = datetime!(2026-11-25 11:00 UTC);
        let paid = app
            .transition(Status::InReview, Actor::system("payment"), at, None)
            .unwrap();
        let e = Event::of(&app, 1, &paid).unwrap();
        assert_eq!(
            (e.event_type, e.id.clone()),
            (EventType::Paid, format!("{}.1", app.id))
        );
        let asked = app
            .transition(Status::NeedsInfo, Actor::system("t"), at, None)
            .unwrap();
        assert_eq!(
            Event::of(&app, 2, &asked).unwrap().event_type,
            EventType::InfoRequested
        );
        let answered = app
            .transition(Status::InReview, Actor::system("t"), at, None)
            .unwrap();
        assert_eq!(
            Event::of(&app, 3, &answered).unwrap().event_type,
            EventType::Answered
        );
        let read = app.read_by(Actor::system("t"), at, "application");
        assert_eq!(Event::of(&app, 4, &read), None);
        let json = serde_json::to_value(Event::of(&app, 3, &answered).unwrap()).unwrap();
        assert_eq!(json["type"], "answered");
        assert!(json.get("applicant").is_none(), "no personal data travels");
        assert!(ISSUE.types.contains(&EventType::Approved));
    }

    /// The template subscribes each consumer's queue to the events topic with a filter on the
    /// event type: the same types, or a consumer would miss or get what it should not.
    #[test]
    fn the_template_subscribes_each_queue_to_its_types() {
        let template = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../infra/template.yaml"
        ))
        .unwrap();
        let policies: Vec<&str> = template
            .lines()
            .filter_map(|l| l.trim().strip_prefix("FilterPolicy: "))
            .collect();
        assert_eq!(policies.len(), SUBSCRIPTIONS.len(), "{policies:?}");
        for (policy, s) in policies.iter().zip(SUBSCRIPTIONS) {
            let policy: serde_json::Value =
                serde_json::from_str(policy).unwrap_or_else(|e| panic!("{policy}: {e}"));
            let types: Vec<&str> = s.types.iter().map(|t| t.as_str()).collect();
            assert_eq!(policy, serde_json::json!({ "type": types }), "{}", s.queue);
        }
    }
}
