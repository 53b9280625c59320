//! Personal data reaches only who may see it, and every staff read leaves a trace.

use crate::helpers::*;
use guichet_core::domain::EntryKind;
use serde_json::json;

#[tokio::test]
async fn every_staff_read_is_a_chained_audit_event_the_holder_can_see() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-reads");
    let id = app.paid_application(&citizen, "Traoré").await;
    let clerk = app.clerk(BAMAKO_REGISTRY);

    // The holder reading their own application leaves nothing; each staff read leaves one event.
    app.application(&citizen, &id).await;
    app.application(&clerk, &id).await;
    let signatory = app.token("signatory", Some(BAMAKO_REGISTRY), "sig-1");
    app.application(&signatory, &id).await;
    let decided = app
        .decide(
            &clerk,
            &id,
            &json!({ "decision": "approve", "record": { "convictions": [] } }),
        )
        .await;
    assert_eq!(decided.status(), 200);
    app.wait_for_status(&citizen, &id, "issued").await;
    let doc = app
        .get(&clerk, &format!("/v1/applications/{id}/document"))
        .await;
    assert_eq!(doc.status(), 200);
    // A refused read (another office) leaves nothing either: it never saw the data.
    let foreign = app.clerk(OTHER_OFFICE);
    assert_eq!(
        app.get(&foreign, &format!("/v1/applications/{id}"))
            .await
            .status(),
        404
    );

    let view = app.application(&citizen, &id).await;
    let accesses: Vec<(String, String, String)> = view["accesses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["by"].as_str().unwrap().to_owned(),
                a["office"].as_str().unwrap().to_owned(),
                a["what"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let bko = BAMAKO_REGISTRY.to_owned();
    assert_eq!(
        accesses,
        vec![
            ("clerk".into(), bko.clone(), "application".into()),
            ("signatory".into(), bko.clone(), "application".into()),
            ("clerk".into(), bko, "document".into()),
        ]
    );
    // Reads are not status changes: the history is the path of the application alone.
    assert_eq!(path(&view), ["in_review", "approved", "issued"]);

    // In the store, reads and transitions are one chain: each event hashes the one before.
    let id = id.parse().unwrap();
    let events = app.server.backend.applications.history(id).await.unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.change.event == EntryKind::Read)
            .count(),
        3
    );
    assert_eq!(guichet_core::audit::verify_chain(&events), Ok(()));
}
