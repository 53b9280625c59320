//! The contract of the ports, written once and run unchanged against every adapter set: the
//! embedded adapters (SQLite, files) and the AWS adapters on the emulator (`tests/contract.rs`
//! of this crate's test targets).

use guichet_core::domain::{
    Actor, Applicant, ApplicantInput, Application, ApplicationId, DocumentKind, DocumentNumber,
    DocumentRef, EntryKind, FieldErrors, IssuedDocument, Money, NewApplication, NumberPrefix,
    OfficeCode, Payment, PaymentOutcome, PaymentReference, PaymentStatus, Provider, Revocation,
    Status, Subject,
};
use guichet_core::ports::{
    ApplicationStore, BlobStore, DocumentRegistry, IdempotencyRecord, PaymentLedger, SealKeyStore,
    StoreError,
};
use sha2::{Digest, Sha256};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};

/// A new application, as the submit step opens it.
pub fn application(subject: &str, office: &str, at: OffsetDateTime) -> Application {
    let input = ApplicantInput {
        surname: Some("Konaté".into()),
        given_names: Some("Ibrahim".into()),
        birth_date: Some("1988-02-29".into()),
        birth_place: Some("Sikasso".into()),
        ..Default::default()
    };
    Application::open(NewApplication {
        id: ApplicationId::new(ulid::Ulid::new()),
        kind: DocumentKind::CRIMINAL_RECORD_EXTRACT,
        subject: Subject::parse(subject).unwrap(),
        applicant: Applicant::parse(
            &input,
            date!(2026 - 11 - 25),
            "applicant",
            &mut FieldErrors::default(),
        )
        .unwrap(),
        details: serde_json::json!({}),
        office: OfficeCode::parse(office).unwrap(),
        fee: Money::xof(750),
        fee_terms: Default::default(),
        payment_reference: PaymentReference::generate(),
        required_attachments: Vec::new(),
        at,
    })
}

fn payment(txn: &str, app: Option<&Application>, outcome: PaymentOutcome) -> Payment {
    Payment {
        provider: Provider::OrangeMoney,
        provider_txn: txn.into(),
        payment_reference: app
            .map(|a| a.payment_reference.to_string())
            .unwrap_or_default(),
        amount: 750,
        currency: "XOF".into(),
        status: PaymentStatus::Succeeded,
        outcome,
        application_id: app.map(|a| a.id),
        received_at: datetime!(2026-11-25 10:00 UTC),
        method: Some("orange_money".into()),
    }
}

/// Versioned writes, the audit chain, the indexes, idempotency records.
pub async fn applications_keep_their_contract(store: &dyn ApplicationStore) {
    let t0 = datetime!(2026-11-25 09:00 UTC);
    let mut app = application("contract-a", "TGI-SIK", t0);
    store.create(&app, None).await.unwrap();
    let stored = store.get(app.id).await.unwrap().unwrap();
    assert_eq!(stored.version, 1);
    assert!(
        matches!(store.create(&app, None).await, Err(StoreError::Duplicate)),
        "ids are unique"
    );
    assert_eq!(
        store
            .find_by_payment_reference(&app.payment_reference)
            .await
            .unwrap()
            .unwrap()
            .id,
        app.id
    );

    // A write from a stale read fails; the one from the current read wins, with its events.
    app.version = 1;
    let change = app
        .transition(
            Status::InReview,
            Actor::system("payment"),
            t0 + Duration::minutes(1),
            None,
        )
        .unwrap();
    let mut stale = app.clone();
    assert_eq!(
        store
            .update(&app, std::slice::from_ref(&change))
            .await
            .unwrap(),
        2
    );
    stale.applicant.given_names = guichet_core::domain::PersonName::parse("Autre").unwrap();
    assert!(matches!(
        store.update(&stale, &[]).await,
        Err(StoreError::Conflict)
    ));
    let now = store.get(app.id).await.unwrap().unwrap();
    assert_eq!(
        (
            now.version,
            now.status(),
            now.applicant.given_names.as_str()
        ),
        (2, Status::InReview, "Ibrahim")
    );

    let mut app = now;
    let second = app
        .transition(
            Status::Approved,
            Actor::system("test"),
            t0 + Duration::minutes(2),
            None,
        )
        .unwrap();
    store
        .update(&app, std::slice::from_ref(&second))
        .await
        .unwrap();
    let history = store.history(app.id).await.unwrap();
    assert_eq!(history.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(history[0].change, change);
    assert_eq!(
        history[1].prev_hash, history[0].hash,
        "each event is chained to the one before"
    );

    // Indexes: an applicant's own, newest first; an office's queue, oldest first, by status.
    let older = application("contract-b", "TGI-SIK", t0 + Duration::minutes(3));
    let newer = application("contract-b", "TGI-SEG", t0 + Duration::minutes(4));
    store.create(&older, None).await.unwrap();
    store.create(&newer, None).await.unwrap();
    let mine: Vec<_> = store
        .list_by_subject(&newer.subject, None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(mine, [newer.id, older.id]);
    // A page after a cursor: the ones after it in the same order; two made at the same instant
    // are told apart by their ids (issue 27, item 9).
    let twin = application("contract-b", "TGI-KAY", t0 + Duration::minutes(3));
    store.create(&twin, None).await.unwrap();
    let ids = |apps: Vec<guichet_core::domain::Application>| {
        apps.into_iter().map(|a| a.id).collect::<Vec<_>>()
    };
    let all = ids(store
        .list_by_subject(&newer.subject, None, 10)
        .await
        .unwrap());
    assert_eq!(all.len(), 3);
    assert_eq!(all[0], newer.id);
    let mut page = Vec::new();
    let mut before = None;
    loop {
        let got = store
            .list_by_subject(&newer.subject, before, 1)
            .await
            .unwrap();
        let Some(last) = got.last() else { break };
        before = Some(guichet_core::ports::Before {
            at: last.created_at,
            id: last.id,
        });
        page.extend(ids(got));
    }
    assert_eq!(page, all, "page by page, the same list");
    let queue = store
        .work_queue(&older.office, Status::AwaitingPayment, 10)
        .await
        .unwrap();
    assert_eq!(queue.iter().map(|a| a.id).collect::<Vec<_>>(), [older.id]);
    assert_eq!(
        store
            .work_queue(&older.office, Status::Approved, 10)
            .await
            .unwrap()[0]
            .id,
        app.id
    );

    // Idempotency: one application per live key; the record reads back until it expires.
    let key = |id, expires_at| IdempotencyRecord {
        scoped_key: "contract-c:key-1".into(),
        request_hash: "h".into(),
        application_id: id,
        at: t0,
        expires_at,
    };
    let first = application("contract-c", "TGI-SIK", t0);
    store
        .create(&first, Some(&key(first.id, t0 + Duration::hours(24))))
        .await
        .unwrap();
    let second = application("contract-c", "TGI-SIK", t0);
    assert!(matches!(
        store
            .create(&second, Some(&key(second.id, t0 + Duration::hours(24))))
            .await,
        Err(StoreError::Duplicate)
    ));
    assert!(
        store.get(second.id).await.unwrap().is_none(),
        "a refused key writes no application"
    );
    assert_eq!(
        store
            .idempotency("contract-c:key-1", t0)
            .await
            .unwrap()
            .unwrap()
            .application_id,
        first.id
    );
    assert!(
        store
            .idempotency("contract-c:key-1", t0 + Duration::hours(25))
            .await
            .unwrap()
            .is_none()
    );

    // A keyed change: the record goes with the change, and a live key refuses a second one
    // before the version is even looked at.
    let keyed = IdempotencyRecord {
        scoped_key: "contract-c:key-2".into(),
        request_hash: "h2".into(),
        application_id: first.id,
        at: t0,
        expires_at: t0 + Duration::hours(24),
    };
    let mut paid = store.get(first.id).await.unwrap().unwrap();
    let change = paid
        .transition(Status::InReview, Actor::system("contract"), t0, None)
        .unwrap();
    let v = store
        .update_once(&paid, std::slice::from_ref(&change), &keyed)
        .await
        .unwrap();
    paid.version = v;
    assert!(matches!(
        store
            .update_once(&paid, std::slice::from_ref(&change), &keyed)
            .await,
        Err(StoreError::Duplicate)
    ));
    assert_eq!(
        store.get(first.id).await.unwrap().unwrap().version,
        v,
        "nothing written"
    );
    assert_eq!(store.history(first.id).await.unwrap().len(), 1);
    assert_eq!(
        store
            .idempotency("contract-c:key-2", t0)
            .await
            .unwrap()
            .unwrap()
            .request_hash,
        "h2"
    );
    // A stale read under a new key writes neither the change nor the key.
    let fresh = IdempotencyRecord {
        scoped_key: "contract-c:key-3".into(),
        ..keyed.clone()
    };
    let mut stale = paid.clone();
    stale.version = v - 1;
    assert!(matches!(
        store.update_once(&stale, &[change], &fresh).await,
        Err(StoreError::Conflict)
    ));
    assert!(
        store
            .idempotency("contract-c:key-3", t0)
            .await
            .unwrap()
            .is_none()
    );
}

/// One payment per provider transaction, written together with the application it pays or not at all.
pub async fn payments_keep_their_contract(
    store: &dyn ApplicationStore,
    ledger: &dyn PaymentLedger,
) {
    let t0 = datetime!(2026-11-25 09:00 UTC);
    let mut app = application("contract-pay", "TGI-SIK", t0);
    store.create(&app, None).await.unwrap();
    app.version = 1;
    let change = app
        .transition(Status::InReview, Actor::system("payment"), t0, None)
        .unwrap();

    // A stale application write takes the payment down with it: nothing is half-recorded.
    let mut stale = app.clone();
    stale.version = 7;
    let p = payment("txn-1", Some(&app), PaymentOutcome::Applied);
    assert!(matches!(
        ledger
            .record(&p, Some((&stale, std::slice::from_ref(&change))))
            .await,
        Err(StoreError::Conflict)
    ));
    assert!(
        ledger
            .payment(Provider::OrangeMoney, "txn-1")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store.get(app.id).await.unwrap().unwrap().status(),
        Status::AwaitingPayment
    );

    ledger
        .record(&p, Some((&app, std::slice::from_ref(&change))))
        .await
        .unwrap();
    assert_eq!(
        ledger
            .payment(Provider::OrangeMoney, "txn-1")
            .await
            .unwrap()
            .unwrap(),
        p
    );
    assert_eq!(
        store.get(app.id).await.unwrap().unwrap().status(),
        Status::InReview
    );
    assert!(
        matches!(ledger.record(&p, None).await, Err(StoreError::Duplicate)),
        "a replay records nothing"
    );
    let other_provider = Payment {
        provider: Provider::MoovMoney,
        ..p.clone()
    };
    ledger.record(&other_provider, None).await.unwrap();
    ledger
        .record(
            &payment("txn-unmatched", None, PaymentOutcome::Unmatched),
            None,
        )
        .await
        .unwrap();
}

/// Sequences never repeat; a document is registered once, with the move to issued.
pub async fn documents_keep_their_contract(
    store: &dyn ApplicationStore,
    registry: &dyn DocumentRegistry,
) {
    let a = registry
        .next_sequence(NumberPrefix::known("CJ"), 2026)
        .await
        .unwrap();
    let b = registry
        .next_sequence(NumberPrefix::known("CJ"), 2026)
        .await
        .unwrap();
    assert_eq!(b, a + 1);
    assert_eq!(
        registry
            .next_sequence(NumberPrefix::known("CJ"), 2027)
            .await
            .unwrap(),
        1,
        "per year"
    );
    assert_eq!(
        registry
            .next_sequence(NumberPrefix::known("VS"), 2026)
            .await
            .unwrap(),
        1,
        "per kind"
    );

    let t0 = datetime!(2026-11-25 09:00 UTC);
    let mut app = application("contract-doc", "TGI-SIK", t0);
    store.create(&app, None).await.unwrap();
    app.version = 1;
    let _ = app
        .transition(Status::InReview, Actor::system("t"), t0, None)
        .unwrap();
    app.version = store.update(&app, &[]).await.unwrap();
    let _ = app
        .transition(Status::Approved, Actor::system("t"), t0, None)
        .unwrap();
    app.version = store.update(&app, &[]).await.unwrap();
    let number = DocumentNumber::new(NumberPrefix::known("CJ"), 2026, b).unwrap();
    let reserved = DocumentRef {
        number,
        issued_at: t0,
        expires_at: Some(t0 + Duration::days(90)),
        revoked_at: None,
        code: guichet_core::domain::VerificationCode::parse("7KQ2-M9XD"),
    };
    app.document = Some(reserved.clone());
    let doc = IssuedDocument::new(
        &app,
        guichet_core::domain::Holder::person(&app.applicant),
        &reserved,
        format!("documents/2026/{number}.pdf"),
        hex::encode(Sha256::digest(b"pdf")),
    );
    let change = app
        .transition(Status::Issued, Actor::system("issue"), t0, None)
        .unwrap();
    let mut stale = app.clone();
    stale.version -= 1;
    assert!(matches!(
        registry
            .register(&doc, &stale, std::slice::from_ref(&change))
            .await,
        Err(StoreError::Conflict)
    ));
    assert!(
        registry.document(&number).await.unwrap().is_none(),
        "a refused write registers nothing"
    );
    registry
        .register(&doc, &app, std::slice::from_ref(&change))
        .await
        .unwrap();
    assert_eq!(registry.document(&number).await.unwrap().unwrap(), doc);
    let mut app = store.get(app.id).await.unwrap().unwrap();
    assert_eq!(app.status(), Status::Issued);

    // Revocation: once, with its event, and never over a stale application.
    let revocation = Revocation {
        at: t0 + Duration::days(3),
        by: Actor::system("contract"),
        reason: "Délivré sur de faux documents".into(),
    };
    let mut revoked = doc.clone();
    assert!(revoked.revoke(revocation.clone()));
    let event = app.revoke_document(&revocation).unwrap();
    let mut stale = app.clone();
    stale.version -= 1;
    assert!(matches!(
        registry
            .revoke(&revoked, &stale, std::slice::from_ref(&event), None)
            .await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        registry.document(&number).await.unwrap().unwrap(),
        doc,
        "a refused revocation changes nothing"
    );
    let version = registry
        .revoke(&revoked, &app, std::slice::from_ref(&event), None)
        .await
        .unwrap();
    assert_eq!(version, app.version + 1);
    assert_eq!(registry.document(&number).await.unwrap().unwrap(), revoked);
    let stored = store.get(app.id).await.unwrap().unwrap();
    assert_eq!(
        stored.document.as_ref().unwrap().revoked_at,
        Some(revocation.at)
    );
    let history = store.history(app.id).await.unwrap();
    assert_eq!(history.last().unwrap().change.event, EntryKind::Revocation);
    let head = stored
        .audit_head
        .as_ref()
        .expect("the store records its trail's end");
    assert_eq!(
        (head.seq, head.hash.as_str()),
        (
            history.last().unwrap().seq,
            history.last().unwrap().hash.as_str()
        )
    );
    assert_eq!(guichet_core::audit::verify_trail(&stored, &history), Ok(()));
    assert!(store.application_ids().await.unwrap().contains(&app.id));
    app.version = version;
    assert!(
        matches!(
            registry
                .revoke(&revoked, &app, std::slice::from_ref(&event), None)
                .await,
            Err(StoreError::Conflict)
        ),
        "an entry revoked already is not revoked twice"
    );
    assert_eq!(store.history(app.id).await.unwrap().len(), history.len());
}

/// A key store keeps every key it ever made: after a new key is added it signs, and what the
/// old one sealed still opens, with the old key published as retired from then on.
pub async fn seal_keys_keep_their_contract(keys: &dyn SealKeyStore) {
    use guichet_core::domain::SealClaims;
    use guichet_seal::{self as seal, KeyLookup, SealKeys};
    if keys.load().await.unwrap().is_empty() {
        keys.add(&seal::generate(OffsetDateTime::now_utc() - Duration::days(1)).unwrap())
            .await
            .unwrap();
    }
    let before = SealKeys::from_stored(&keys.load().await.unwrap()).unwrap();
    assert_eq!(
        SealKeys::from_stored(&keys.load().await.unwrap())
            .unwrap()
            .active_kid(),
        before.active_kid(),
        "loading makes no key"
    );
    let mut claims = SealClaims::example();
    claims.issued_on = OffsetDateTime::now_utc().date();
    let sealed = before.seal(&claims);
    let new = seal::generate(OffsetDateTime::now_utc()).unwrap();
    keys.add(&new).await.unwrap();
    assert!(keys.add(&new).await.is_err(), "a key is never kept twice");
    let after = SealKeys::from_stored(&keys.load().await.unwrap()).unwrap();
    assert_eq!(after.active_kid(), new.kid);
    assert_ne!(new.kid, before.active_kid());
    assert_eq!(after.public_keys().len(), before.public_keys().len() + 1);
    let old = after.lookup(before.active_kid()).unwrap();
    assert!(old.retired_at.is_some());
    assert!(after.lookup(&new.kid).unwrap().retired_at.is_none());
    assert_eq!(seal::open(&sealed, &after), Ok(claims.clone()));
    let published = seal::JwkSet::parse(&after.jwks()).unwrap();
    assert_eq!(seal::open(&sealed, &published), Ok(claims.clone()));
    assert_eq!(
        seal::open(&after.seal(&claims), &published),
        Ok(claims.clone())
    );

    // The old key declared compromised: kept, marked once, and nothing it sealed verifies, in
    // the service or from the published set.
    let mark = guichet_core::ports::Compromise {
        at: OffsetDateTime::now_utc(),
        by: "ops-contract".into(),
    };
    keys.mark_compromised(before.active_kid(), &mark)
        .await
        .unwrap();
    let later = guichet_core::ports::Compromise {
        by: "someone-else".into(),
        ..mark.clone()
    };
    keys.mark_compromised(before.active_kid(), &later)
        .await
        .unwrap();
    assert!(keys.mark_compromised("no-such-kid", &mark).await.is_err());
    let stored = keys.load().await.unwrap();
    let marked = stored
        .iter()
        .find(|k| k.kid == before.active_kid())
        .unwrap();
    assert_eq!(
        marked.compromised.as_ref().map(|m| m.by.as_str()),
        Some("ops-contract")
    );
    let compromised = SealKeys::from_stored(&stored).unwrap();
    assert_eq!(compromised.active_kid(), new.kid, "a sound key signs");
    assert_eq!(
        seal::open(&sealed, &compromised),
        Err(guichet_core::domain::SealError::KeyCompromised)
    );
    let published = seal::JwkSet::parse(&compromised.jwks()).unwrap();
    assert_eq!(
        seal::open(&sealed, &published),
        Err(guichet_core::domain::SealError::KeyCompromised)
    );
    assert_eq!(
        seal::open(&compromised.seal(&claims), &published),
        Ok(claims)
    );
}

pub async fn blobs_keep_their_contract(blobs: &dyn BlobStore) {
    let key = format!("documents/2026/contract-{}.pdf", ulid::Ulid::new());
    assert_eq!(blobs.get(&key).await.unwrap(), None);
    assert_eq!(
        blobs
            .put_if_absent(&key, b"first".to_vec(), "application/pdf")
            .await
            .unwrap(),
        b"first"
    );
    assert_eq!(
        blobs
            .put_if_absent(&key, b"second".to_vec(), "application/pdf")
            .await
            .unwrap(),
        b"first"
    );
    assert_eq!(blobs.get(&key).await.unwrap().unwrap(), b"first");
    assert!(blobs.download(&key, "x.pdf").await.unwrap().is_some());
    assert!(
        blobs
            .download("documents/none.pdf", "x.pdf")
            .await
            .unwrap()
            .is_none()
    );
}

/// A notification's key is claimed once; given back after a failed send, it is claimed again.
pub async fn sent_log_keeps_its_contract(log: &dyn guichet_core::ports::SentLog) {
    let key = format!("{}.7.sms", ulid::Ulid::new());
    let now = time::OffsetDateTime::now_utc();
    assert!(log.claim(&key, now).await.unwrap(), "the first claim");
    assert!(!log.claim(&key, now).await.unwrap(), "a second delivery");
    log.release(&key).await.unwrap();
    assert!(
        log.claim(&key, now).await.unwrap(),
        "claimed again after a release"
    );
    assert!(log.claim(&format!("{key}.other"), now).await.unwrap());
}

/// The deny list: a revoked id listed until its entry lapses; a second revocation of the same id
/// changes nothing.
pub async fn revoked_tokens_keep_their_contract(store: &dyn guichet_core::ports::RevokedTokens) {
    use guichet_core::ports::TokenRevocation;
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap();
    let revocation = |jti: &str, until: time::OffsetDateTime| TokenRevocation {
        jti: jti.to_owned(),
        at: now,
        by: "A. Coulibaly, DSI".to_owned(),
        until,
    };
    assert!(store.revoked(now).await.unwrap().is_empty());
    let day = time::Duration::days(1);
    store
        .revoke(&revocation("01JTOKENA", now + day))
        .await
        .unwrap();
    store
        .revoke(&revocation("01JTOKENB", now + 90 * day))
        .await
        .unwrap();
    store
        .revoke(&revocation("01JTOKENA", now - day))
        .await
        .unwrap();
    let mut listed = store.revoked(now).await.unwrap();
    listed.sort();
    assert_eq!(listed, vec!["01JTOKENA", "01JTOKENB"]);
    assert_eq!(
        store.revoked(now + 2 * day).await.unwrap(),
        vec!["01JTOKENB"],
        "an entry lapses when no token it names can still be valid"
    );
}
