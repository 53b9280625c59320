use super::*;
use guichet_core::domain::ISSUE;
use guichet_core::ports::QueueName;
use guichet_local::{Local, LocalEventBus, LocalSettings};
use std::time::Duration;

#[tokio::test]
async fn a_stream_batch_hands_each_outbox_event_to_its_subscribers_and_skips_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let local = Local::open(&LocalSettings::in_dir(dir.path())).unwrap();
    let f = Forward {
        outbox: local.store.clone(),
        bus: Arc::new(LocalEventBus::new(local.queue.clone(), &[ISSUE])),
    };
    // An audit entry and an outbox item, as the table's stream shows them.
    let stream: StreamEvent =
        serde_json::from_str(include_str!("../../../events/outbox-stream.json")).unwrap();
    let response = handle(&f, stream).await;
    assert!(response.batch_item_failures.is_empty());
    let got = local
        .queue
        .receive(QueueName::ISSUE_REQUESTS, 10, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(got.len(), 1, "the outbox item only");
    let event: Event = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(event.id, "01KB2Y5D6ZJ9M3W0T4V8Q7R2XN.3");
    assert_eq!(event.event_type.as_str(), "approved");
}
