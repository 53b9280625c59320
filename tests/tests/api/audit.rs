//! The audit trail as stored: an edit, an insertion or a removal made behind the service's back
//! (straight in the database file) breaks the hash chain where it was made.

use crate::helpers::*;
use guichet::audit::{ChainBreak, verify_chain};
use serde_json::json;

#[tokio::test]
async fn tampering_with_the_stored_trail_is_caught() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-audit");
    let id = app.paid_application(&citizen, "Coulibaly").await;
    let clerk = app.clerk(BAMAKO_REGISTRY);
    app.application(&clerk, &id).await;
    let decided = app
        .decide(
            &clerk,
            &id,
            &json!({ "decision": "reject", "reason": "Pièce d'identité illisible" }),
        )
        .await;
    assert_eq!(decided.status(), 200);
    let app_id = id.parse().unwrap();
    let store = app.server.context.applications.clone();
    assert_eq!(verify_chain(&store.history(app_id).await.unwrap()), Ok(()));
    let db = rusqlite::Connection::open(app.dir.path().join("guichet.sqlite")).unwrap();
    let tamper = |sql: &str| {
        db.execute(sql, rusqlite::params![id]).unwrap();
    };

    // An insider softens the reason of the rejection.
    tamper(
        "UPDATE audit_events SET body = replace(body, 'illisible', 'lisible')
         WHERE application_id = ?1 AND seq = 3",
    );
    assert_eq!(
        verify_chain(&store.history(app_id).await.unwrap()),
        Err(ChainBreak::Content { seq: 3 })
    );
    tamper(
        "UPDATE audit_events SET body = replace(body, 'lisible', 'illisible')
         WHERE application_id = ?1 AND seq = 3",
    );
    assert_eq!(verify_chain(&store.history(app_id).await.unwrap()), Ok(()));

    // …or removes the trace of the clerk's read.
    tamper("DELETE FROM audit_events WHERE application_id = ?1 AND seq = 2");
    assert_eq!(
        verify_chain(&store.history(app_id).await.unwrap()),
        Err(ChainBreak::Sequence {
            expected: 2,
            found: 3
        })
    );
}
