use super::*;
use guichet_core::domain::{
    Actor, ApplicationId, EventType, ISSUE, OfficeCode, Principal, Role, Status, Subject,
};
use guichet_core::ports::QueueName;
use guichet_core::usecases::forward::forward_pending;
use guichet_core::usecases::review::{self, Deciding, DecisionRequest};
use guichet_core::usecases::submit::{self, Applying};
use guichet_local::{Local, LocalEventBus, LocalQueue, LocalSettings};
use std::sync::Mutex;
use std::time::Duration as StdDuration;
use time::{Duration, OffsetDateTime};

/// A clock the test moves forward.
struct Later(Mutex<OffsetDateTime>);
impl Clock for Later {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

async fn submitted(f: &Reconcile, who: &str) -> ApplicationId {
    let citizen = Principal {
        subject: Subject::parse(who).unwrap(),
        role: Role::Applicant,
        office: None,
        name: None,
        state: None,
        mfa: true,
    };
    let request = serde_json::from_value(serde_json::json!({
        "kind": "criminal_record_extract",
        "applicant": { "surname": "Coulibaly", "given_names": "Mariam", "birth_date": "1992-07-01", "birth_place": "Bamako" }
    }))
    .unwrap();
    let applying = Applying {
        applications: f.applications.as_ref(),
        catalogue: &f.catalogue,
        clock: f.clock.as_ref(),
    };
    submit::submit(&applying, &citizen, request, None)
        .await
        .unwrap()
        .0
        .id
}

/// What waits on the issue queue, taken off it: the type of each event.
async fn taken(queue: &LocalQueue) -> Vec<EventType> {
    let got = queue
        .receive(QueueName::ISSUE_REQUESTS, 10, StdDuration::from_secs(60))
        .await
        .unwrap();
    let mut types = Vec::new();
    for d in got {
        queue.ack(&d.id).await.unwrap();
        types.push(
            serde_json::from_str::<guichet_core::domain::Event>(&d.body)
                .unwrap()
                .event_type,
        );
    }
    types
}

#[tokio::test]
async fn stuck_approvals_are_asked_again_poison_ones_left_to_a_person_unpaid_ones_expire() {
    let dir = tempfile::tempdir().unwrap();
    let local = Local::open(&LocalSettings::in_dir(dir.path())).unwrap();
    let queue = local.queue.clone();
    let bus = Arc::new(LocalEventBus::new(queue.clone(), &[ISSUE]));
    let start = OffsetDateTime::now_utc();
    let clock = Arc::new(Later(Mutex::new(start)));
    let ctx = Reconcile {
        applications: local.store.clone(),
        outbox: local.store.clone(),
        bus: bus.clone(),
        catalogue: local.catalogue.clone(),
        clock: clock.clone(),
        settings: ReconcileSettings::default(),
        unanchored: local.store.clone(),
        checkpoints: Arc::new(guichet_local::CheckpointFile {
            path: dir.path().join("checkpoints.jsonl"),
        }),
        audit_key: "a".repeat(32).into(),
    };
    let event: EventBridgeEvent =
        serde_json::from_str(include_str!("../../../events/reconcile-schedule.json")).unwrap();
    let at = |minutes| *clock.0.lock().unwrap() = start + Duration::minutes(minutes);

    // One left unpaid, one paid and approved whose issue request got lost after the forwarder
    // handed it on (the issue step set it aside, say).
    let unpaid = submitted(&ctx, "c-unpaid").await;
    let approved = submitted(&ctx, "c-approved").await;
    let mut app = ctx.applications.get(approved).await.unwrap().unwrap();
    let paid = app
        .transition(Status::InReview, Actor::system("payment"), start, None)
        .unwrap();
    app.version = ctx.applications.update(&app, &[paid]).await.unwrap();
    let clerk = Principal {
        subject: Subject::parse("clerk-1").unwrap(),
        role: Role::Clerk,
        office: Some(OfficeCode::parse("TGI-BKO-C3").unwrap()),
        name: None,
        state: None,
        mfa: true,
    };
    let approve: DecisionRequest = serde_json::from_value(serde_json::json!({
        "decision": "approve", "record": { "convictions": [] }
    }))
    .unwrap();
    let deciding = Deciding {
        applications: ctx.applications.as_ref(),
        catalogue: &local.catalogue,
        clock: ctx.clock.as_ref(),
    };
    review::decide(&deciding, &clerk, &approved.to_string(), &approve, None)
        .await
        .unwrap();
    forward_pending(
        local.store.as_ref(),
        bus.as_ref(),
        start + Duration::seconds(1),
        10,
    )
    .await
    .unwrap();
    assert_eq!(taken(&queue).await, [EventType::Approved]);

    // Right away: nothing is stuck yet, nothing has waited a week; the trail that moved
    // goes into an audit checkpoint, once (the unpaid one has no trail yet).
    assert_eq!(
        handle(&ctx, event.clone()).await.unwrap(),
        ReconcileReport {
            anchored: 1,
            ..ReconcileReport::default()
        }
    );
    assert_eq!(ctx.checkpoints.all().await.unwrap().len(), 1);

    // Twenty minutes on, the approval is stuck: asked again, with an event in the outbox. No
    // forwarder runs here: the next sweep finds the event stalled and hands it on itself.
    at(20);
    let report = handle(&ctx, event.clone()).await.unwrap();
    assert_eq!(
        (report.redriven, report.forwarded, report.expired),
        (1, 0, 0)
    );
    assert!(taken(&queue).await.is_empty());

    // A poison application (its issuance fails every time) is asked again once per 15
    // minutes, five times in all; then it is left to a person.
    let mut minutes = 20;
    for round in 2..=5 {
        minutes += 5;
        at(minutes);
        let report = handle(&ctx, event.clone()).await.unwrap();
        assert_eq!(
            (report.redriven, report.forwarded),
            (0, 1),
            "too soon to ask again"
        );
        assert_eq!(taken(&queue).await, [EventType::IssueRequested]);
        minutes += 15;
        at(minutes);
        assert_eq!(handle(&ctx, event.clone()).await.unwrap().redriven, 1);
        let counted = ctx.applications.get(approved).await.unwrap().unwrap();
        assert_eq!(counted.redrives, round);
    }
    minutes += 20;
    at(minutes);
    let report = handle(&ctx, event.clone()).await.unwrap();
    assert_eq!(
        (report.redriven, report.given_up, report.forwarded),
        (0, 1, 1)
    );
    assert_eq!(taken(&queue).await, [EventType::IssueRequested]);
    at(minutes + 20);
    let report = handle(&ctx, event.clone()).await.unwrap();
    assert_eq!((report.given_up, report.forwarded), (1, 0));
    assert!(
        taken(&queue).await.is_empty(),
        "no more messages for a poison application"
    );
    let still = ctx.applications.get(approved).await.unwrap().unwrap();
    assert_eq!(
        still.status(),
        Status::Approved,
        "left for a person, not lost"
    );
    let trail = ctx.applications.history(approved).await.unwrap();
    assert_eq!(
        trail
            .iter()
            .filter(|e| e.change.event == guichet_core::domain::EntryKind::Redrive)
            .count(),
        5,
        "each request is in the audit trail"
    );

    // Eight days on, the unpaid one is closed, with its reason in the audit trail.
    *clock.0.lock().unwrap() = start + Duration::days(8);
    let report = handle(&ctx, event.clone()).await.unwrap();
    assert_eq!(report.expired, 1);
    let closed = ctx.applications.get(unpaid).await.unwrap().unwrap();
    assert_eq!(closed.status(), Status::Expired);
    let history = ctx.applications.history(unpaid).await.unwrap();
    assert_eq!(history.last().unwrap().change.to, Status::Expired);
    // A second run finds nothing more to close.
    assert_eq!(handle(&ctx, event).await.unwrap().expired, 0);
}
