//! The audit trail as stored: an edit, an insertion or a removal made behind the service's back
//! (straight in the database file) breaks the hash chain where it was made.

use crate::helpers::*;
use guichet_core::audit::{ChainBreak, verify_chain, verify_store};
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
    let store = app.server.backend.applications.clone();
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
    let report = verify_store(store.as_ref()).await.unwrap();
    assert_eq!((report.applications, report.broken.len()), (1, 0));

    // …or removes the trace of the clerk's read.
    tamper("DELETE FROM audit_events WHERE application_id = ?1 AND seq = 2");
    assert_eq!(
        verify_chain(&store.history(app_id).await.unwrap()),
        Err(ChainBreak::Sequence {
            expected: 2,
            found: 3
        })
    );

    // …or cuts another trail at its end: the chain that is left holds, but the application
    // recorded a later event. The whole-store check names both applications.
    let other = app.paid_application(&citizen, "Diarra").await;
    let other_id = other.parse().unwrap();
    let rejected = app
        .decide(
            &clerk,
            &other,
            &json!({ "decision": "reject", "reason": "Acte de naissance illisible" }),
        )
        .await;
    assert_eq!(rejected.status(), 200);
    let last = store.history(other_id).await.unwrap().len();
    db.execute(
        "DELETE FROM audit_events WHERE application_id = ?1 AND seq = ?2",
        rusqlite::params![other, last as i64],
    )
    .unwrap();
    assert_eq!(
        verify_chain(&store.history(other_id).await.unwrap()),
        Ok(())
    );
    let mut report = verify_store(store.as_ref()).await.unwrap();
    report.broken.sort_by_key(|(id, _)| *id);
    let mut expected = vec![
        (
            app_id,
            ChainBreak::Sequence {
                expected: 2,
                found: 3,
            },
        ),
        (other_id, ChainBreak::Head { seq: last as u64 }),
    ];
    expected.sort_by_key(|(id, _)| *id);
    assert_eq!((report.applications, report.broken), (2, expected));
}
