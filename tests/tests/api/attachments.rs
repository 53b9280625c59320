//! Attachments: announced, uploaded straight to storage, checked; a wrong type, a size or a hash
//! other than announced, a late upload each refused without changing anything else; another
//! applicant neither reads nor adds one.

use crate::helpers::*;
use serde_json::{Value, json};
use std::sync::Arc;

const KAYES: &str = "TGI-KAY";

/// A certificate of `citizen`'s at the Kayes court, paid: waiting for its proofs.
async fn paid_certificate(app: &TestApp, citizen: &str) -> String {
    let created = app
        .submitted(citizen, &certificate_request("Coulibaly", "Kayes"))
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let reference = created["payment_reference"].as_str().unwrap();
    assert_eq!(
        app.pay(reference, &format!("txn-{id}"), 750).await.status(),
        200
    );
    assert_eq!(app.application(citizen, &id).await["status"], "needs_info");
    id
}

fn announcement(name: &str, content_type: &str, bytes: &[u8]) -> Value {
    json!({"name": name, "content_type": content_type, "size": bytes.len(), "sha256": sha256_hex(bytes)})
}

async fn ticket(app: &TestApp, citizen: &str, id: &str, body: &Value) -> Value {
    let resp = app.announce(citizen, id, body).await;
    assert_eq!(resp.status(), 201);
    let ticket: Value = resp.json().await.unwrap();
    assert!(ticket["expires_at"].is_string());
    ticket
}

/// The application apart from its attachments and its times: what a refused file must not change.
fn rest(view: &Value) -> Value {
    let mut v = view.clone();
    for field in ["attachments", "updated_at", "accesses"] {
        v.as_object_mut().unwrap().remove(field);
    }
    v
}

#[tokio::test]
async fn a_file_is_accepted_and_every_bad_one_refused_without_changing_anything_else() {
    let clock = Arc::new(ShiftedClock::default());
    let app = spawn_app_on(clock.clone()).await;
    let citizen = app.citizen("citizen-attach");
    let id = paid_certificate(&app, &citizen).await;

    // Accepted, and never replaced through the same URL.
    let act = scanned_act("acte de naissance n° 123");
    let t = ticket(
        &app,
        &citizen,
        &id,
        &announcement("birth_certificate", "application/pdf", &act),
    )
    .await;
    assert_eq!(app.put_upload(&t, act.clone()).await.status(), 200);
    let good = t["id"].as_str().unwrap().to_owned();
    assert_eq!(app.checked(&citizen, &id, &good).await["state"], "accepted");
    let mut forged = act.clone();
    forged[12] ^= 1;
    let p = problem(app.put_upload(&t, forged).await, 409).await;
    assert!(
        p["detail_en"]
            .as_str()
            .unwrap()
            .contains("received already"),
        "{p}"
    );
    // Waiting for its proofs, the applicant cannot send it to review by answering.
    let resp = app
        .http
        .post(app.url(&format!("/v1/applications/{id}/resubmit")))
        .bearer_auth(&citizen)
        .json(&json!({"message": "Voici"}))
        .send()
        .await
        .unwrap();
    let p = problem(resp, 409).await;
    assert!(
        p["detail_en"]
            .as_str()
            .unwrap()
            .contains("parent_nationality_proof"),
        "{p}"
    );
    let before = app.application(&citizen, &id).await;

    // Not a PDF although announced as one (an executable renamed): quarantined, with a reason.
    let exe = b"MZ\x90\x00\x03 this is no act".to_vec();
    let t = ticket(
        &app,
        &citizen,
        &id,
        &announcement("parent_nationality_proof", "application/pdf", &exe),
    )
    .await;
    assert_eq!(app.put_upload(&t, exe).await.status(), 200);
    let refused = app.checked(&citizen, &id, t["id"].as_str().unwrap()).await;
    assert_eq!(refused["state"], "quarantined");
    assert!(
        refused["reason"].as_str().unwrap().contains("PDF"),
        "{refused}"
    );
    assert!(
        refused["reason_en"].as_str().unwrap().contains("PDF"),
        "{refused}"
    );
    let after = app.application(&citizen, &id).await;
    assert_eq!(rest(&after), rest(&before), "only the attachment changed");
    assert_eq!(
        after["attachments"][0], before["attachments"][0],
        "the accepted one stays"
    );
    // The office never opens what the check refused; its sender still may.
    let url = format!(
        "/v1/applications/{id}/attachments/{}",
        t["id"].as_str().unwrap()
    );
    assert_eq!(app.get(&app.clerk(KAYES), &url).await.status(), 404);
    assert_eq!(app.get(&citizen, &url).await.status(), 200);

    // The bytes are not the ones announced: quarantined.
    let proof = scanned_act("carte d'identité du père");
    let mut other = proof.clone();
    other[12] ^= 1;
    let t = ticket(
        &app,
        &citizen,
        &id,
        &announcement("parent_nationality_proof", "application/pdf", &proof),
    )
    .await;
    assert_eq!(app.put_upload(&t, other).await.status(), 200);
    let refused = app.checked(&citizen, &id, t["id"].as_str().unwrap()).await;
    assert_eq!(refused["state"], "quarantined");
    assert!(
        refused["reason_en"].as_str().unwrap().contains("SHA-256"),
        "{refused}"
    );

    // Too large: refused when announced, and the upload route refuses more than announced.
    let resp = app
        .announce(&citizen, &id, &json!({"name": "parent_nationality_proof", "content_type": "application/pdf", "size": 6 * 1024 * 1024, "sha256": "0".repeat(64)}))
        .await;
    let p = problem(resp, 422).await;
    assert_eq!(fields(&p), vec!["size"]);
    assert!(
        p["errors"][0]["message"].as_str().unwrap().contains("5 Mo"),
        "{p}"
    );
    let t = ticket(
        &app,
        &citizen,
        &id,
        &announcement("parent_nationality_proof", "application/pdf", &proof),
    )
    .await;
    let mut longer = proof.clone();
    longer.extend_from_slice(b"% and more");
    let p = problem(app.put_upload(&t, longer).await, 413).await;
    assert!(p["detail_en"].as_str().is_some(), "{p}");
    // A type other than announced.
    let resp = app
        .announce(&citizen, &id, &json!({"name": "parent_nationality_proof", "content_type": "application/zip", "size": 10, "sha256": "0".repeat(64)}))
        .await;
    assert_eq!(fields(&problem(resp, 422).await), vec!["content_type"]);
    // An unknown name lists the kind's.
    let resp = app
        .announce(&citizen, &id, &json!({"name": "passport", "content_type": "application/pdf", "size": 10, "sha256": "0".repeat(64)}))
        .await;
    let p = problem(resp, 422).await;
    assert!(
        p["errors"][0]["message_en"]
            .as_str()
            .unwrap()
            .contains("parent_nationality_proof"),
        "{p}"
    );

    // An expired upload URL: refused in both languages, nothing stored.
    let t = ticket(
        &app,
        &citizen,
        &id,
        &announcement("parent_nationality_proof", "application/pdf", &proof),
    )
    .await;
    clock.advance(time::Duration::minutes(16));
    let p = problem(app.put_upload(&t, proof.clone()).await, 403).await;
    assert!(p["detail"].as_str().unwrap().contains("expiré"), "{p}");
    assert!(p["detail_en"].as_str().unwrap().contains("expired"), "{p}");
    let view = app.application(&citizen, &id).await;
    assert_eq!(view["status"], "needs_info");
    let pending = view["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == t["id"])
        .unwrap()
        .clone();
    assert_eq!(pending["state"], "pending");

    // Announced again and sent in time: it replaces the refused one, and the application goes
    // to the office by itself.
    let last = app
        .attach(&citizen, &id, "parent_nationality_proof", proof.clone())
        .await;
    assert_eq!(app.checked(&citizen, &id, &last).await["state"], "accepted");
    let view = app.wait_for_status(&citizen, &id, "in_review").await;
    let names: Vec<&str> = view["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["birth_certificate", "parent_nationality_proof"]);
    // Once examined, the file set is the office's: no new upload.
    let resp = app
        .announce(
            &citizen,
            &id,
            &announcement("parent_nationality_proof", "application/pdf", &proof),
        )
        .await;
    problem(resp, 409).await;

    // Read back by the applicant, and by the office's clerk (on record).
    let url = format!("/v1/applications/{id}/attachments/{good}");
    let own = app.get(&citizen, &url).await;
    assert_eq!(own.status(), 200);
    assert_eq!(own.headers()["content-type"], "application/pdf");
    assert_eq!(own.bytes().await.unwrap().to_vec(), act);
    let clerk = app.clerk(KAYES);
    assert_eq!(app.get(&clerk, &url).await.status(), 200);
    let accesses = app.application(&citizen, &id).await["accesses"].clone();
    assert!(
        accesses
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["what"] == "attachment"),
        "{accesses}"
    );

    // Another applicant, another office, staff announcing: not theirs.
    let stranger = app.citizen("citizen-stranger");
    assert_eq!(app.get(&stranger, &url).await.status(), 404);
    let resp = app
        .announce(
            &stranger,
            &id,
            &announcement("birth_certificate", "application/pdf", &act),
        )
        .await;
    problem(resp, 404).await;
    assert_eq!(
        app.get(&app.clerk(BAMAKO_REGISTRY), &url).await.status(),
        404
    );
    let resp = app
        .announce(
            &clerk,
            &id,
            &announcement("birth_certificate", "application/pdf", &act),
        )
        .await;
    problem(resp, 403).await;
}

/// On S3 (moto): the browser PUTs to a presigned URL; S3's notice reaches the check step.
#[tokio::test]
async fn on_s3_a_presigned_upload_is_checked_and_a_late_or_altered_one_refused() {
    let mut settings = aws_settings().await;
    settings.upload_ttl = time::Duration::seconds(2);
    let dir = tempfile::tempdir().unwrap();
    let app = serve(&settings, Arc::new(guichet_core::ports::SystemClock), dir).await;
    let citizen = app.citizen("citizen-s3");
    let id = paid_certificate(&app, &citizen).await;

    let act = scanned_act("acte de naissance");
    let t = ticket(
        &app,
        &citizen,
        &id,
        &announcement("birth_certificate", "application/pdf", &act),
    )
    .await;
    assert!(
        t["upload_url"]
            .as_str()
            .unwrap()
            .contains("X-Amz-Signature="),
        "{t}"
    );
    assert_eq!(t["upload_headers"]["content-type"], "application/pdf");
    assert_eq!(app.put_upload(&t, act.clone()).await.status(), 200);
    assert_eq!(
        app.checked(&citizen, &id, t["id"].as_str().unwrap()).await["state"],
        "accepted"
    );
    // The URL takes one object: S3 refuses to replace it (If-None-Match is signed).
    let again = app.put_upload(&t, act.clone()).await;
    assert!(again.status().is_client_error(), "{}", again.status());

    // Altered bytes of the announced length: S3 takes them, the check does not.
    let proof = scanned_act("carte d'identité du père");
    let mut altered = proof.clone();
    altered[12] ^= 1;
    let t = ticket(
        &app,
        &citizen,
        &id,
        &announcement("parent_nationality_proof", "application/pdf", &proof),
    )
    .await;
    assert_eq!(app.put_upload(&t, altered).await.status(), 200);
    let refused = app.checked(&citizen, &id, t["id"].as_str().unwrap()).await;
    assert!(
        refused["reason_en"].as_str().unwrap().contains("SHA-256"),
        "{refused}"
    );

    // Sent after the URL expired: S3 refuses it, or (an emulator that does not hold presigned
    // URLs to their expiry) the check refuses it as late.
    let t = ticket(
        &app,
        &citizen,
        &id,
        &announcement("parent_nationality_proof", "application/pdf", &proof),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let put = app.put_upload(&t, proof.clone()).await;
    if put.status().is_success() {
        let late = app.checked(&citizen, &id, t["id"].as_str().unwrap()).await;
        assert_eq!(late["state"], "quarantined", "{late}");
        assert!(
            late["reason_en"].as_str().unwrap().contains("expired"),
            "{late}"
        );
    } else {
        assert_eq!(put.status(), 403);
    }
    assert_eq!(app.application(&citizen, &id).await["status"], "needs_info");

    // The application's attachment, for its applicant: a short-lived URL to S3.
    let resp = app
        .get(
            &citizen,
            &format!("/v1/applications/{id}/attachments/{}", "0".repeat(26)),
        )
        .await;
    assert_eq!(resp.status(), 404);
}
