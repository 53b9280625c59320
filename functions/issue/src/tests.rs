use super::*;
use async_trait::async_trait;
use guichet_core::domain::{
    Actor, Application, OfficeCode, PaymentReference, Principal, Role, Status, StatusChange,
    Subject,
};
use guichet_core::ports::{
    AuditEvent, Fault, FaultKind, IdempotencyRecord, QueueName, StoreError, SystemClock,
};
use guichet_core::usecases::review::{Deciding, DecisionRequest, decide};
use guichet_core::usecases::submit::{Applying, submit};
use guichet_local::{Local, LocalSettings, SqliteStore};
use std::sync::atomic::{AtomicU32, Ordering};
use time::OffsetDateTime;

/// The real SQLite store, throttled for its next `failures` reads: what a busy backend does.
struct Throttled {
    inner: Arc<SqliteStore>,
    failures: AtomicU32,
}

impl Throttled {
    fn throttle(&self) -> Result<(), StoreError> {
        let left = self.failures.load(Ordering::SeqCst);
        if left == 0 {
            return Ok(());
        }
        self.failures.store(left - 1, Ordering::SeqCst);
        Err(StoreError::Fault(Fault::new(
            FaultKind::Throttled,
            "ThrottlingException (test)",
        )))
    }
}

#[async_trait]
impl ApplicationStore for Throttled {
    async fn create(
        &self,
        app: &Application,
        key: Option<&IdempotencyRecord>,
    ) -> Result<(), StoreError> {
        self.inner.create(app, key).await
    }
    async fn get(&self, id: ApplicationId) -> Result<Option<Application>, StoreError> {
        self.throttle()?;
        self.inner.get(id).await
    }
    async fn find_by_payment_reference(
        &self,
        r: &PaymentReference,
    ) -> Result<Option<Application>, StoreError> {
        self.inner.find_by_payment_reference(r).await
    }
    async fn list_by_subject(
        &self,
        s: &Subject,
        before: Option<guichet_core::ports::Before>,
        limit: usize,
    ) -> Result<Vec<Application>, StoreError> {
        self.inner.list_by_subject(s, before, limit).await
    }
    async fn work_queue(
        &self,
        office: &OfficeCode,
        status: Status,
        limit: usize,
    ) -> Result<Vec<Application>, StoreError> {
        self.inner.work_queue(office, status, limit).await
    }
    async fn update(&self, app: &Application, changes: &[StatusChange]) -> Result<u64, StoreError> {
        self.inner.update(app, changes).await
    }
    async fn update_once(
        &self,
        app: &Application,
        changes: &[StatusChange],
        key: &IdempotencyRecord,
    ) -> Result<u64, StoreError> {
        self.inner.update_once(app, changes, key).await
    }
    async fn history(&self, id: ApplicationId) -> Result<Vec<AuditEvent>, StoreError> {
        self.inner.history(id).await
    }
    async fn application_ids(&self) -> Result<Vec<ApplicationId>, StoreError> {
        self.inner.application_ids().await
    }
    async fn idempotency(
        &self,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        self.inner.idempotency(key, now).await
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    local: Local,
    store: Arc<Throttled>,
    function: Issue,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let local = Local::open(&LocalSettings::in_dir(dir.path())).unwrap();
    let key = guichet_seal::generate(OffsetDateTime::now_utc()).unwrap();
    let store = Arc::new(Throttled {
        inner: local.store.clone(),
        failures: AtomicU32::new(0),
    });
    let function = Issue {
        applications: store.clone(),
        documents: local.store.clone(),
        blobs: local.blobs.clone(),
        catalogue: local.catalogue.clone(),
        sealer: Arc::new(guichet_seal::SealKeys::from_stored(&[key]).unwrap()),
        renderer: Arc::new(guichet_pdf::PdfRenderer::new("https://guichet.ml/verifier").unwrap()),
        clock: Arc::new(SystemClock),
        dead_letters: Arc::new(local.queue.clone()),
        uploads: Arc::new(guichet_local::LocalUploads::new(
            dir.path().join("uploads"),
            "t".repeat(32).into(),
            local.queue.clone(),
        )),
    };
    Setup {
        _dir: dir,
        local,
        store,
        function,
    }
}

/// Submitted, paid and approved through the use cases; its event is on the issue queue.
async fn approved(s: &Setup) -> ApplicationId {
    let citizen = Principal {
        subject: Subject::parse("c1").unwrap(),
        role: Role::Applicant,
        office: None,
        name: None,
        state: None,
        mfa: true,
    };
    let request = serde_json::from_value(serde_json::json!({
        "kind": "criminal_record_extract",
        "applicant": { "surname": "Traoré", "given_names": "Awa", "birth_date": "1990-04-12", "birth_place": "Bamako" }
    }))
    .unwrap();
    let applying = Applying {
        applications: s.local.store.as_ref(),
        catalogue: &s.local.catalogue,
        clock: &SystemClock,
    };
    let (mut app, _) = submit(&applying, &citizen, request, None).await.unwrap();
    let paid = app
        .transition(
            Status::InReview,
            Actor::system("payment"),
            OffsetDateTime::now_utc(),
            None,
        )
        .unwrap();
    s.local.store.update(&app, &[paid]).await.unwrap();
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
        applications: s.local.store.as_ref(),
        catalogue: &s.local.catalogue,
        clock: &SystemClock,
    };
    decide(&deciding, &clerk, &app.id.to_string(), &approve, None)
        .await
        .unwrap();
    // The approval's event, from the outbox to the issue step's queue.
    let bus =
        guichet_local::LocalEventBus::new(s.local.queue.clone(), &[guichet_core::domain::ISSUE]);
    guichet_core::usecases::forward::forward_pending(
        s.local.store.as_ref(),
        &bus,
        OffsetDateTime::now_utc() + time::Duration::seconds(1),
        100,
    )
    .await
    .unwrap();
    app.id
}

/// The queue's messages as the event Lambda would hand over.
async fn delivered(s: &Setup) -> SqsEvent {
    let got = s
        .local
        .queue
        .receive(QueueName::ISSUE_REQUESTS, 10, Duration::from_secs(60))
        .await
        .unwrap();
    let mut event = SqsEvent::default();
    event.records = got
        .into_iter()
        .map(|d| {
            let mut m = aws_lambda_events::sqs::SqsMessage::default();
            m.message_id = Some(d.id);
            m.body = Some(d.body);
            m
        })
        .collect();
    event
}

fn failed(response: &SqsBatchResponse) -> Vec<&str> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect()
}

#[tokio::test]
async fn what_can_never_be_issued_is_set_aside_at_once() {
    let s = setup();
    // The sample event's messages (unreadable; an application that does not exist), and one
    // for an application that is not approved (yet unpaid), put on the real queue.
    let sample: SqsEvent =
        serde_json::from_str(include_str!("../../../events/issue-requests.json")).unwrap();
    for m in &sample.records {
        s.local
            .queue
            .send(QueueName::ISSUE_REQUESTS, m.body.as_deref().unwrap())
            .await
            .unwrap();
    }
    let event = delivered(&s).await;
    let response = handle(&s.function, event).await;
    assert!(failed(&response).is_empty(), "{:?}", failed(&response));
    let dead = s
        .local
        .queue
        .dead_letters(QueueName::ISSUE_REQUESTS)
        .await
        .unwrap();
    let mut bodies: Vec<&str> = dead.iter().map(|d| d.body.as_str()).collect();
    bodies.sort();
    assert_eq!(
        bodies,
        [
            "not json",
            "{\"application_id\":\"01M89JB4DEV15JKRS4F9NRNST4\"}"
        ]
    );
    assert!(
        dead.iter().all(|d| d.receive_count == 1),
        "set aside on the first delivery, not after five"
    );
}

#[tokio::test]
async fn a_throttled_store_is_tried_again_and_then_left_to_the_queue() {
    let s = setup();
    let id = approved(&s).await;
    // Two throttled reads: the issue step waits and tries again within the delivery.
    s.store.failures.store(2, Ordering::SeqCst);
    let response = handle(&s.function, delivered(&s).await).await;
    assert!(failed(&response).is_empty());
    let app = s.local.store.get(id).await.unwrap().unwrap();
    assert_eq!(app.status(), Status::Issued);

    // A longer outage: the message is handed back for the queue to deliver again, and is not
    // in the dead letters.
    let other = approved(&s).await;
    s.store.failures.store(100, Ordering::SeqCst);
    let event = delivered(&s).await;
    let message = event.records[0].message_id.clone().unwrap();
    let response = handle(&s.function, event).await;
    assert_eq!(failed(&response), [message.as_str()]);
    assert!(
        s.local
            .queue
            .dead_letters(QueueName::ISSUE_REQUESTS)
            .await
            .unwrap()
            .is_empty()
    );
    s.store.failures.store(0, Ordering::SeqCst);
    s.local
        .queue
        .retry_after(&message, Duration::ZERO)
        .await
        .unwrap();
    let response = handle(&s.function, delivered(&s).await).await;
    assert!(failed(&response).is_empty());
    assert_eq!(
        s.local.store.get(other).await.unwrap().unwrap().status(),
        Status::Issued
    );
}
