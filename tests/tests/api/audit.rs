//! The audit trail as stored: an edit, an insertion or a removal made behind the service's back
//! (straight in the database file) breaks the hash chain where it was made.

use crate::helpers::*;
use guichet_core::audit::{ChainBreak, verify_chain, verify_store};
use guichet_core::usecases::audit::{self, Anchoring};
use serde_json::json;
use std::collections::HashMap;

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
    let report = verify_store(store.as_ref(), &HashMap::new()).await.unwrap();
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
    let mut report = verify_store(store.as_ref(), &HashMap::new()).await.unwrap();
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

fn anchoring(app: &TestApp) -> Anchoring<'_> {
    let b = &app.server.backend;
    Anchoring {
        applications: b.applications.as_ref(),
        unanchored: b.unanchored.as_ref(),
        checkpoints: b.checkpoints.as_ref(),
        key: &b.audit_key,
        clock: &guichet_core::ports::SystemClock,
    }
}

/// What `guichet audit verify` says of this server's store and checkpoints: each broken trail.
async fn audited(app: &TestApp) -> Vec<(String, ChainBreak)> {
    let b = &app.server.backend;
    let found = audit::verify(
        b.applications.as_ref(),
        b.checkpoints.as_ref(),
        &b.audit_key,
    )
    .await
    .unwrap();
    assert_eq!(found.forged_checkpoints, 0);
    let mut broken: Vec<(String, ChainBreak)> = found
        .report
        .broken
        .into_iter()
        .map(|(id, b)| (id.to_string(), b))
        .collect();
    broken.sort_by(|a, b| a.0.cmp(&b.0));
    broken
}

/// A paid extract, read by the clerk and rejected: four events in its trail.
async fn decided(app: &TestApp, surname: &str) -> String {
    let citizen = app.citizen("c-anchored");
    let id = app.paid_application(&citizen, surname).await;
    let clerk = app.clerk(BAMAKO_REGISTRY);
    app.application(&clerk, &id).await;
    let ask = json!({ "decision": "request_info", "reason": "Votre prénom ?" });
    assert_eq!(app.decide(&clerk, &id, &ask).await.status(), 200);
    id
}

/// Issue 26, item 7: with write access to the database, someone cuts a trail and rewrites the
/// end the application recorded, or drops that end, or puts an application back as it was with
/// the events after it removed. The chain alone holds in the first and last cases; the
/// checkpoints kept outside the store (and a missing end counted as broken) catch each.
#[tokio::test]
async fn a_trail_cut_short_with_or_without_its_end_or_put_back_is_caught() {
    let app = spawn_app().await;
    let db = rusqlite::Connection::open(app.dir.path().join("guichet.sqlite")).unwrap();
    let cut = decided(&app, "Coulibaly").await;
    let dropped = decided(&app, "Diarra").await;
    let put_back = app
        .paid_application(&app.citizen("c-anchored"), "Keïta")
        .await;
    // Its row as it stood once paid, before the clerk's read and decision.
    let (old_body, old_version, old_status, old_updated): (String, i64, String, i64) = db
        .query_row(
            "SELECT body, version, status, updated_ns FROM applications WHERE id = ?1",
            rusqlite::params![put_back],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    let clerk = app.clerk(BAMAKO_REGISTRY);
    app.application(&clerk, &put_back).await;
    let reject = json!({ "decision": "reject", "reason": "Casier chargé" });
    assert_eq!(app.decide(&clerk, &put_back, &reject).await.status(), 200);
    // The reconcile step's checkpoint of what moved since the start's.
    assert_eq!(audit::checkpoint(&anchoring(&app)).await.unwrap(), 3);
    assert_eq!(audited(&app).await, []);

    // 1. The last event removed, and the application's recorded end moved back to match.
    let last = |id: &str| -> (i64, String) {
        db.query_row(
            "SELECT seq, hash FROM audit_events WHERE application_id = ?1 ORDER BY seq DESC LIMIT 1",
            rusqlite::params![id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    let (cut_seq, _) = last(&cut);
    db.execute(
        "DELETE FROM audit_events WHERE application_id = ?1 AND seq = ?2",
        rusqlite::params![cut, cut_seq],
    )
    .unwrap();
    let (seq, hash) = last(&cut);
    db.execute(
        "UPDATE applications SET body = json_set(body, '$.audit_head.seq', ?2, '$.audit_head.hash', ?3) WHERE id = ?1",
        rusqlite::params![cut, seq, hash],
    )
    .unwrap();
    // 2. Another's last event removed, and its recorded end dropped.
    let (dropped_seq, _) = last(&dropped);
    db.execute(
        "DELETE FROM audit_events WHERE application_id = ?1 AND seq = ?2",
        rusqlite::params![dropped, dropped_seq],
    )
    .unwrap();
    db.execute(
        "UPDATE applications SET body = json_remove(body, '$.audit_head') WHERE id = ?1",
        rusqlite::params![dropped],
    )
    .unwrap();
    // 3. The third put back as it stood when paid, the read and the rejection removed.
    let (put_back_seq, _) = last(&put_back);
    db.execute(
        "UPDATE applications SET body = ?2, version = ?3, status = ?4, updated_ns = ?5 WHERE id = ?1",
        rusqlite::params![put_back, old_body, old_version, old_status, old_updated],
    )
    .unwrap();
    db.execute(
        "DELETE FROM audit_events WHERE application_id = ?1 AND seq > 1",
        rusqlite::params![put_back],
    )
    .unwrap();
    let store = app.server.backend.applications.clone();
    for id in [&cut, &put_back] {
        let id = id.parse().unwrap();
        let (a, events) = (
            store.get(id).await.unwrap().unwrap(),
            store.history(id).await.unwrap(),
        );
        assert_eq!(
            guichet_core::audit::verify_trail(&a, &events),
            Ok(()),
            "the store alone no longer shows it"
        );
    }

    let mut expected = vec![
        (
            cut.clone(),
            ChainBreak::Checkpoint {
                seq: cut_seq as u64,
            },
        ),
        (dropped.clone(), ChainBreak::NoHead),
        (
            put_back.clone(),
            ChainBreak::Checkpoint {
                seq: put_back_seq as u64,
            },
        ),
    ];
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(audited(&app).await, expected);
    // Anchoring again (as a restart does) repairs nothing a checkpoint saw.
    audit::anchor(&anchoring(&app)).await.unwrap();
    assert_eq!(audited(&app).await, expected);
    // A checkpoint someone wrote without the audit key is not counted, and is named.
    let b = &app.server.backend;
    let mut forged = b.checkpoints.all().await.unwrap().remove(0);
    forged.heads.clear();
    b.checkpoints.append(&forged).await.unwrap();
    let found = audit::verify(
        b.applications.as_ref(),
        b.checkpoints.as_ref(),
        &b.audit_key,
    )
    .await
    .unwrap();
    assert_eq!(found.forged_checkpoints, 1);
}

/// The same on DynamoDB, the checkpoints in an S3 bucket under Object Lock (moto): an event item
/// deleted and the application item rewritten with the earlier end, and an application item
/// put back as it stood with the later event items deleted, are caught.
#[tokio::test]
async fn a_trail_cut_short_or_put_back_is_caught_on_aws() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let app = spawn_aws_app().await;
    let guichet_cli::settings::BackendChoice::Aws(resources) = &app.settings.backend else {
        unreachable!("an AWS app")
    };
    let table = resources.table.clone();
    let db = aws_sdk_dynamodb::Client::new(&guichet_tests::moto::emulator().sdk_config().await);
    let key = |pk: String, sk: String| {
        std::collections::HashMap::from([
            ("PK".to_owned(), AttributeValue::S(pk)),
            ("SK".to_owned(), AttributeValue::S(sk)),
        ])
    };
    let item = |id: &str| {
        let db = db.clone();
        let (table, key) = (table.clone(), key(format!("APP#{id}"), "APP".into()));
        async move {
            db.get_item()
                .table_name(table)
                .set_key(Some(key))
                .consistent_read(true)
                .send()
                .await
                .unwrap()
                .item
                .unwrap()
        }
    };
    let cut = decided(&app, "Coulibaly").await;
    let put_back = app
        .paid_application(&app.citizen("c-anchored"), "Keïta")
        .await;
    let snapshot = item(&put_back).await;
    let clerk = app.clerk(BAMAKO_REGISTRY);
    app.application(&clerk, &put_back).await;
    let reject = json!({ "decision": "reject", "reason": "Casier chargé" });
    assert_eq!(app.decide(&clerk, &put_back, &reject).await.status(), 200);
    assert_eq!(audit::checkpoint(&anchoring(&app)).await.unwrap(), 2);
    assert_eq!(audited(&app).await, []);

    let store = app.server.backend.applications.clone();
    let events = |id: &str| {
        let store = store.clone();
        let id = id.parse().unwrap();
        async move { store.history(id).await.unwrap() }
    };
    let delete_event = |id: String, seq: u64| {
        let db = db.clone();
        let (table, key) = (
            table.clone(),
            key(format!("APP#{id}"), format!("EV#{seq:010}")),
        );
        async move {
            db.delete_item()
                .table_name(table)
                .set_key(Some(key))
                .send()
                .await
                .unwrap();
        }
    };
    // Cut short, and the end the application recorded rewritten to match.
    let trail = events(&cut).await;
    let cut_seq = trail.last().unwrap().seq;
    delete_event(cut.clone(), cut_seq).await;
    let mut rewritten = item(&cut).await;
    let mut body: serde_json::Value =
        serde_json::from_str(rewritten["body"].as_s().unwrap()).unwrap();
    let earlier = &trail[trail.len() - 2];
    body["audit_head"] = json!({ "seq": earlier.seq, "hash": earlier.hash });
    rewritten.insert("body".into(), AttributeValue::S(body.to_string()));
    db.put_item()
        .table_name(&table)
        .set_item(Some(rewritten))
        .send()
        .await
        .unwrap();
    // Put back as it stood once paid, the later events deleted.
    let put_back_seq = events(&put_back).await.last().unwrap().seq;
    for seq in 2..=put_back_seq {
        delete_event(put_back.clone(), seq).await;
    }
    db.put_item()
        .table_name(&table)
        .set_item(Some(snapshot))
        .send()
        .await
        .unwrap();

    let mut expected = vec![
        (cut.clone(), ChainBreak::Checkpoint { seq: cut_seq }),
        (
            put_back.clone(),
            ChainBreak::Checkpoint { seq: put_back_seq },
        ),
    ];
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(audited(&app).await, expected);
}
