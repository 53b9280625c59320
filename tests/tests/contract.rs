//! The port contract, run unchanged on both adapter sets: the embedded one (SQLite, files) and
//! the AWS one (DynamoDB, S3) on moto server.

use guichet_aws::{DynamoStore, S3BlobStore};
use guichet_core::ports::{BlobStore, Download};
use guichet_tests::contract::*;
use guichet_tests::moto::emulator;
use std::time::Duration;

#[tokio::test]
async fn the_embedded_adapters_keep_the_port_contract() {
    let dir = tempfile::tempdir().unwrap();
    let db = guichet_local::Db::open(&dir.path().join("contract.sqlite")).unwrap();
    let store = guichet_local::SqliteStore::new(db);
    applications_keep_their_contract(&store).await;
    payments_keep_their_contract(&store, &store).await;
    documents_keep_their_contract(&store, &store).await;
    sent_log_keeps_its_contract(&store).await;
    revoked_tokens_keep_their_contract(&store).await;
    blobs_keep_their_contract(&guichet_local::FileBlobStore::new(dir.path().join("blobs"))).await;
    seal_keys_keep_their_contract(&guichet_local::secrets::KeyFiles {
        dir: dir.path().join("keys"),
    })
    .await;
}

#[tokio::test]
async fn secrets_manager_keeps_the_seal_key_contract() {
    let (sdk, resources) = emulator().provision().await;
    seal_keys_keep_their_contract(&guichet_aws::ManagedSecretKeys {
        client: aws_sdk_secretsmanager::Client::new(&sdk),
        arn: resources.signing_secret_arn,
    })
    .await;
}

async fn dynamo() -> DynamoStore {
    let (sdk, resources) = emulator().provision().await;
    DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), resources.table)
}

async fn s3() -> (aws_sdk_s3::Client, S3BlobStore, String) {
    let (sdk, resources) = emulator().provision().await;
    let client = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    let store = S3BlobStore::new(client.clone(), &resources.documents_bucket, None);
    (client, store, resources.documents_bucket)
}

#[tokio::test]
async fn dynamodb_keeps_the_application_contract() {
    applications_keep_their_contract(&dynamo().await).await;
}

#[tokio::test]
async fn dynamodb_keeps_the_deny_list_of_tokens() {
    revoked_tokens_keep_their_contract(&dynamo().await).await;
}

#[tokio::test]
async fn dynamodb_keeps_the_sent_log_contract() {
    sent_log_keeps_its_contract(&dynamo().await).await;
}

/// SES and SNS on moto: an email from the verified sender and an SMS go; an email from a sender
/// SES does not know is refused for good, not retried.
#[tokio::test]
async fn ses_and_sns_send_the_notifications() {
    use guichet_core::domain::{Email, Phone};
    use guichet_core::ports::{Channel, Notification, Notifier, SendError};
    let (sdk, _) = emulator().provision().await;
    let ses = aws_sdk_sesv2::Client::new(&sdk);
    ses.create_email_identity()
        .email_identity("no-reply@guichet.ml")
        .send()
        .await
        .unwrap();
    let sns = aws_sdk_sns::Client::new(&sdk);
    let email = Notification {
        key: "01JD.1.email".into(),
        channel: Channel::Email {
            to: Email::parse("awa@example.ml").unwrap(),
            subject: "Guichet : Paiement reçu / Payment received — GCH-XXXXXXXXXX".into(),
            body: "Bonjour,\n\nPaiement reçu.\n\n----\n\nHello,\n\nPayment received.".into(),
        },
    };
    let sms = Notification {
        key: "01JD.1.sms".into(),
        channel: Channel::Sms {
            to: Phone::parse("+22370000000").unwrap(),
            text: "Guichet: Paiement reçu / Payment received".into(),
        },
    };
    let notifier =
        guichet_aws::SesSnsNotifier::new(ses.clone(), sns.clone(), "no-reply@guichet.ml");
    notifier.send(&email).await.unwrap();
    notifier.send(&sms).await.unwrap();
    // A sender SES does not know is ours to fix, not the applicant's fault: the message goes
    // back to its queue (and, still refused, to the dead letters), and what is said of it names
    // the provider's code, never the address.
    let stranger = guichet_aws::SesSnsNotifier::new(ses, sns, "someone@elsewhere.example");
    match stranger.send(&email).await {
        Err(SendError::Transient(said)) => {
            assert!(
                !said.contains("awa@") && !said.contains("elsewhere"),
                "{said}"
            );
            assert!(!said.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn dynamodb_keeps_the_payment_contract() {
    let store = dynamo().await;
    payments_keep_their_contract(&store, &store).await;
}

#[tokio::test]
async fn dynamodb_keeps_the_document_contract() {
    let store = dynamo().await;
    documents_keep_their_contract(&store, &store).await;
}

#[tokio::test]
async fn s3_keeps_the_blob_contract() {
    let (_, blobs, _) = s3().await;
    blobs_keep_their_contract(&blobs).await;
}

#[tokio::test]
async fn s3_documents_are_encrypted_and_downloaded_through_a_short_lived_url() {
    let (client, blobs, bucket) = s3().await;
    let key = "documents/2026/CJ-2026-000001-0.pdf";
    blobs
        .put_if_absent(key, b"%PDF-1.7 test".to_vec(), "application/pdf")
        .await
        .unwrap();
    let head = client
        .head_object()
        .bucket(&bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    assert!(
        head.server_side_encryption().is_some(),
        "stored encrypted at rest"
    );
    assert_eq!(head.content_type(), Some("application/pdf"));
    let Some(Download::Redirect(url)) = blobs.download(key, "CJ-2026-000001-0.pdf").await.unwrap()
    else {
        panic!("S3 answers with a URL, not the bytes");
    };
    assert!(url.contains("X-Amz-Expires=300"), "{url}");
    assert!(url.contains("X-Amz-Signature="), "{url}");
    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"%PDF-1.7 test");
    // A key that could escape its prefix is refused before any request.
    assert!(blobs.get("documents/../secrets").await.is_err());
}

/// What the AWS adapters make of AWS's answers: a throttle that outlasts the SDK's own retries
/// is a fault worth retrying later; a refusal is not.
#[tokio::test]
async fn a_throttle_is_retryable_and_a_refusal_is_not_on_aws() {
    use guichet_core::ports::{ApplicationStore, EventBus, FaultKind, StoreError};
    let e = emulator();
    let (_, resources) = e.provision().await;
    let proxy =
        guichet_tests::fault_proxy::FaultProxy::start(&e.endpoint, Duration::from_secs(3)).await;
    let sdk = e
        .sdk_config_via(&proxy.endpoint, Duration::from_secs(2))
        .await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &resources.table);
    let id = guichet_core::domain::ApplicationId::new(ulid::Ulid::new());
    proxy.throttle_next(10);
    match store.get(id).await {
        Err(StoreError::Fault(f)) => {
            assert_eq!(f.kind, FaultKind::Throttled, "{f}");
            assert!(f.is_retryable());
        }
        other => panic!("a throttled read answered {other:?}"),
    }
    let bus =
        guichet_aws::SnsEventBus::new(aws_sdk_sns::Client::new(&sdk), &resources.events_topic_arn);
    proxy.throttle_next(10);
    let event = sample_event(guichet_core::domain::EventType::Paid);
    let refused = bus.publish(&event).await.unwrap_err();
    assert_eq!(refused.0.kind, FaultKind::Throttled, "{refused}");
    proxy.throttle_next(0);
    assert_eq!(store.get(id).await, Ok(None), "and then it answers");

    let missing = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), "no-such-table");
    match missing.get(id).await {
        Err(StoreError::Fault(f)) => {
            assert_eq!(f.kind, FaultKind::Refused, "{f}");
            assert!(!guichet_core::Error::Store(StoreError::Fault(f)).is_retryable());
        }
        other => panic!("a missing table answered {other:?}"),
    }
}

fn sample_event(event_type: guichet_core::domain::EventType) -> guichet_core::domain::Event {
    guichet_core::domain::Event {
        id: format!("{}.1", ulid::Ulid::new()),
        event_type,
        application_id: guichet_core::domain::ApplicationId::new(ulid::Ulid::new()),
        kind: guichet_core::domain::DocumentKind::CRIMINAL_RECORD_EXTRACT,
        office: guichet_core::domain::OfficeCode::parse("TGI-BKO-C3").unwrap(),
        at: time::OffsetDateTime::now_utc(),
    }
}

/// The outbox on DynamoDB, forwarded through SNS: one change's events reach each subscribed
/// queue once, filtered by type, and forwarding again sends nothing more.
#[tokio::test]
async fn one_event_reaches_two_subscribers_once_each_on_aws() {
    use guichet_core::domain::{Actor, EventType, Status, Subscription};
    use guichet_core::ports::ApplicationStore;
    use guichet_core::usecases::forward::forward_all;
    let (sdk, resources) = emulator().provision().await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let observer = sqs
        .create_queue()
        .queue_name(format!("observer-{}", ulid::Ulid::new()))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    guichet_aws::provision::subscribe(
        &sdk,
        &resources.events_topic_arn,
        &observer,
        &Subscription {
            queue: "observer",
            types: &[EventType::Paid, EventType::Approved],
        },
    )
    .await
    .unwrap();
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&sdk), &resources.table);
    let bus =
        guichet_aws::SnsEventBus::new(aws_sdk_sns::Client::new(&sdk), &resources.events_topic_arn);

    // Paid, then approved: two changes, two events in the outbox, written with them.
    let t0 = time::OffsetDateTime::now_utc();
    let mut app = guichet_tests::contract::application("fan-out", "TGI-SIK", t0);
    store.create(&app, None).await.unwrap();
    app.version = 1;
    for to in [Status::InReview, Status::Approved] {
        let change = app.transition(to, Actor::system("test"), t0, None).unwrap();
        app.version = store.update(&app, &[change]).await.unwrap();
    }
    assert_eq!(forward_all(&store, &bus, 100).await.unwrap(), 2);
    assert_eq!(
        forward_all(&store, &bus, 100).await.unwrap(),
        0,
        "the outbox is empty"
    );

    let drain = |url: String| {
        let sqs = sqs.clone();
        async move {
            let mut types = Vec::new();
            for _ in 0..3 {
                let out = sqs
                    .receive_message()
                    .queue_url(&url)
                    .max_number_of_messages(10)
                    .wait_time_seconds(1)
                    .send()
                    .await
                    .unwrap();
                for m in out.messages.unwrap_or_default() {
                    let e: guichet_core::domain::Event =
                        serde_json::from_str(m.body.as_deref().unwrap()).unwrap();
                    assert_eq!(e.application_id, app.id);
                    types.push(e.event_type);
                    sqs.delete_message()
                        .queue_url(&url)
                        .receipt_handle(m.receipt_handle.unwrap())
                        .send()
                        .await
                        .unwrap();
                }
            }
            types.sort_by_key(|t| t.as_str());
            types
        }
    };
    assert_eq!(
        drain(resources.issue_queue_url.clone()).await,
        [EventType::Approved]
    );
    assert_eq!(
        drain(observer).await,
        [EventType::Approved, EventType::Paid]
    );
}

/// Rate counts in the table: a window opens at a client's first count, holds `max`, gives one
/// back, and a new one opens once it is past; clients and limits apart.
#[tokio::test]
async fn dynamodb_counts_rate_limits_in_windows_every_instance_sees() {
    use guichet_core::ports::{RateCount, RateCounters};
    let store = dynamo().await;
    let t0 = 1_800_000_123;
    for i in 0..3 {
        assert_eq!(
            store.take("submit:a", t0 + i, 3600, 3).await.unwrap(),
            RateCount::Counted { window: t0 }
        );
    }
    assert_eq!(
        store.take("submit:a", t0 + 10, 3600, 3).await.unwrap(),
        RateCount::Full { until: t0 + 3600 }
    );
    assert_eq!(
        store.take("submit:b", t0 + 10, 3600, 3).await.unwrap(),
        RateCount::Counted { window: t0 + 10 },
        "another client has its own window"
    );
    store.give_back("submit:a", t0).await.unwrap();
    assert_eq!(
        store.take("submit:a", t0 + 20, 3600, 3).await.unwrap(),
        RateCount::Counted { window: t0 }
    );
    // A give-back for a window that is gone changes nothing.
    store.give_back("submit:a", t0 - 3600).await.unwrap();
    assert!(matches!(
        store.take("submit:a", t0 + 30, 3600, 3).await.unwrap(),
        RateCount::Full { .. }
    ));
    assert_eq!(
        store.take("submit:a", t0 + 3600, 3600, 3).await.unwrap(),
        RateCount::Counted { window: t0 + 3600 },
        "past its length, a new window opens"
    );
}
