//! Nothing twice: issuing, paying and submitting are each safe to repeat.

use crate::helpers::*;
use guichet_core::domain::{ApplicationId, Provider};
use guichet_core::domain::{Event, EventType};
use guichet_core::usecases::issue::{self, IssueOutcome, Issuing};
use serde_json::{Value, json};

#[tokio::test]
async fn issuing_the_same_request_again_and_again_gives_one_document() {
    let app = spawn_app().await;
    let ctx = app.server.backend.clone();
    let citizen = app.citizen("citizen-twice");
    let id = app.paid_application(&citizen, "Touré").await;
    let resp = app
        .decide(
            &app.clerk(BAMAKO_REGISTRY),
            &id,
            &json!({ "decision": "approve", "record": { "convictions": [] } }),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let app_id: ApplicationId = id.parse().unwrap();

    // Race the queue consumer with three direct runs, as redelivered messages would.
    let runs = futures_join(&app.server.functions.issue.issuing(), app_id).await;
    let numbers: Vec<String> = runs
        .iter()
        .map(|o| match o {
            IssueOutcome::Issued(n) | IssueOutcome::AlreadyIssued(n) => n.to_string(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert!(numbers.windows(2).all(|w| w[0] == w[1]), "{numbers:?}");
    let issued = app.wait_for_status(&citizen, &id, "issued").await;
    assert_eq!(issued["document"]["number"], numbers[0].as_str());
    let first_pdf = app
        .get(&citizen, &format!("/v1/applications/{id}/document"))
        .await
        .bytes()
        .await
        .unwrap();

    // A duplicate message later changes nothing either: the approval's event published again.
    let approved = ctx.applications.get(app_id).await.unwrap().unwrap();
    let trail = ctx.applications.history(app_id).await.unwrap();
    let again = trail
        .iter()
        .find_map(|e| {
            Event::of(&approved, e.seq, &e.change).filter(|ev| ev.event_type == EventType::Approved)
        })
        .unwrap();
    ctx.bus.publish(&again).await.unwrap();
    assert!(matches!(
        issue::issue(&app.server.functions.issue.issuing(), app_id)
            .await
            .unwrap(),
        IssueOutcome::AlreadyIssued(_)
    ));
    let again = app.application(&citizen, &id).await;
    assert_eq!(again["document"]["number"], numbers[0].as_str());
    assert_eq!(
        again["history"].as_array().unwrap().len(),
        3,
        "one move to issued, not two"
    );
    let second_pdf = app
        .get(&citizen, &format!("/v1/applications/{id}/document"))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(first_pdf, second_pdf, "the same file, byte for byte");
    let verified: Value = app
        .http
        .post(app.url("/v1/verify"))
        .header("content-type", "application/pdf")
        .body(second_pdf.to_vec())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(verified["identical_file"], true);

    // The next application gets the next number: none was used twice.
    let other = app.paid_application(&citizen, "Touré").await;
    app.decide(
        &app.clerk(BAMAKO_REGISTRY),
        &other,
        &json!({ "decision": "approve", "record": { "convictions": [] } }),
    )
    .await;
    let other = app.wait_for_status(&citizen, &other, "issued").await;
    assert_ne!(other["document"]["number"], numbers[0].as_str());
}

async fn futures_join(ctx: &Issuing<'_>, id: ApplicationId) -> Vec<IssueOutcome> {
    let (a, b, c) = tokio::join!(
        issue::issue(ctx, id),
        issue::issue(ctx, id),
        issue::issue(ctx, id)
    );
    vec![a.unwrap(), b.unwrap(), c.unwrap()]
}

#[tokio::test]
async fn a_replayed_webhook_is_a_no_op_and_a_second_payment_is_kept_for_refund() {
    let app = spawn_app().await;
    let citizen = app.citizen("citizen-replay");
    let created = app
        .submitted(&citizen, &extract_request("Cissé", "Fatou", "Mopti"))
        .await;
    let id = created["id"].as_str().unwrap();
    let reference = created["payment_reference"].as_str().unwrap();
    for delivery in 0..3 {
        let resp = app.pay(reference, "om-replayed", 750).await;
        assert_eq!(resp.status(), 200);
        let ack: Value = resp.json().await.unwrap();
        if delivery == 0 {
            assert_eq!(ack["outcome"], "applied");
            assert!(ack.get("first_outcome").is_none(), "{ack}");
        } else {
            // Said as what it is: received before, nothing done again.
            assert_eq!(ack["outcome"], "duplicate", "{ack}");
            assert_eq!(ack["first_outcome"], "applied", "{ack}");
        }
    }
    let view = app.application(&citizen, id).await;
    assert_eq!(view["status"], "in_review");
    assert_eq!(view["history"].as_array().unwrap().len(), 1, "paid once");

    let again: Value = app
        .pay(reference, "om-second-txn", 750)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        again["outcome"], "not_payable",
        "a second payment is recorded for refund, not applied"
    );
    let ledger = app
        .server
        .backend
        .payments
        .payment(Provider::Sandbox, "om-second-txn")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ledger.application_id.map(|i| i.to_string()).as_deref(),
        Some(id)
    );
}

#[tokio::test]
async fn the_same_idempotency_key_returns_the_same_application() {
    let app = spawn_app().await;
    let citizen = app.citizen("citizen-idem");
    let body = extract_request("Maïga", "Hawa", "Gao");
    let send = |body: &Value, key: &str| {
        app.http
            .post(app.url("/v1/applications"))
            .bearer_auth(&citizen)
            .header("idempotency-key", key)
            .json(body)
            .send()
    };
    let first: Value = send(&body, "k-1").await.unwrap().json().await.unwrap();
    let second = send(&body, "k-1").await.unwrap();
    assert_eq!(second.status(), 201);
    let second: Value = second.json().await.unwrap();
    assert_eq!(first["id"], second["id"]);
    assert_eq!(first["payment_reference"], second["payment_reference"]);

    let mut other = body.clone();
    other["applicant"]["given_names"] = json!("Aïssata");
    let body = problem(send(&other, "k-1").await.unwrap(), 422).await;
    assert_eq!(fields(&body), ["Idempotency-Key"]);

    // Another citizen's identical key is theirs, not a replay of ours.
    let stranger = app.citizen("citizen-other");
    let theirs: Value = app
        .http
        .post(app.url("/v1/applications"))
        .bearer_auth(&stranger)
        .header("idempotency-key", "k-1")
        .json(&extract_request("Maïga", "Hawa", "Gao"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(theirs["id"], first["id"]);
    let mine: Value = app
        .get(&citizen, "/v1/applications")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_decision_or_an_answer_sent_again_with_its_key_is_made_once() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-keyed");
    let clerk = app.clerk(BAMAKO_REGISTRY);
    let id = app.paid_application(&citizen, "Bagayoko").await;
    let keyed = |token: &str, path: String, key: &str, body: Value| {
        app.http
            .post(app.url(&path))
            .bearer_auth(token)
            .header("idempotency-key", key)
            .json(&body)
    };
    let ask = json!({ "decision": "request_info", "reason": "Votre second prénom ?" });
    let decision = format!("/v1/applications/{id}/decision");
    // The clerk's connection drops and the client sends the same request again: one decision.
    for _ in 0..3 {
        let resp = keyed(&clerk, decision.clone(), "k-decide-1", ask.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let view: Value = resp.json().await.unwrap();
        assert_eq!(view["status"], "needs_info");
    }
    // The same key with another decision is refused, and changes nothing.
    let other = json!({ "decision": "reject", "reason": "Autre" });
    let refused = keyed(&clerk, decision.clone(), "k-decide-1", other)
        .send()
        .await
        .unwrap();
    let body = problem(refused, 422).await;
    assert_eq!(body["errors"][0]["field"], "Idempotency-Key");

    // The citizen answers, twice with the same key: back in review once.
    let answer = json!({ "message": "Aminata Fatoumata" });
    let resubmit = format!("/v1/applications/{id}/resubmit");
    for _ in 0..2 {
        let resp = keyed(&citizen, resubmit.clone(), "k-answer-1", answer.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    // Without a key, a second answer is what it is: a conflict (already back in review).
    let again = app
        .http
        .post(app.url(&resubmit))
        .bearer_auth(&citizen)
        .json(&answer)
        .send()
        .await
        .unwrap();
    problem(again, 409).await;

    let view = app.application(&citizen, &id).await;
    assert_eq!(path(&view), ["in_review", "needs_info", "in_review"]);
    // A key belongs to whoever sent it: the clerk's key means nothing to the citizen.
    let theirs = keyed(&citizen, resubmit, "k-decide-1", answer)
        .send()
        .await
        .unwrap();
    problem(theirs, 409).await;
}

/// Issue 26, item 9: a request that creates something without its `Idempotency-Key` is refused
/// (428, naming the header, in French and English) and makes nothing: the same submission sent
/// twice no longer makes two applications, a crossing is not recorded, no payment page opens.
/// With its key, a payment start sent again answers with the page it opened.
#[tokio::test]
async fn a_creating_request_without_its_idempotency_key_makes_nothing() {
    creating_requests_need_their_keys(&spawn_app().await).await;
}

#[tokio::test]
async fn a_creating_request_without_its_idempotency_key_makes_nothing_on_aws() {
    creating_requests_need_their_keys(&spawn_aws_app().await).await;
}

async fn creating_requests_need_their_keys(app: &TestApp) {
    use guichet_http::routes::{Op, table};
    let citizen = app.citizen("c-no-key");
    let unkeyed = |token: &str, path: &str, body: &Value| {
        app.http
            .post(app.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
    };
    let request = extract_request("Sangaré", "Oumou", "Bamako");
    for _ in 0..2 {
        let p = problem(
            unkeyed(&citizen, "/v1/applications", &request)
                .await
                .unwrap(),
            428,
        )
        .await;
        assert_eq!(
            p["type"],
            "https://guichet.ml/problems/idempotency-key-required"
        );
        assert_eq!(fields(&p), ["Idempotency-Key"]);
        assert!(
            p["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("Idempotency-Key")
        );
        assert!(
            p["errors"][0]["message_en"]
                .as_str()
                .unwrap()
                .contains("required")
        );
    }
    let mine: Value = app
        .get(&citizen, "/v1/applications")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"], json!([]), "nothing was made");

    let created = app.submitted(&citizen, &request).await;
    let id = created["id"].as_str().unwrap();
    let start = format!("/v1/applications/{id}/payment");
    problem(
        unkeyed(&citizen, &start, &json!({"provider": "sandbox"}))
            .await
            .unwrap(),
        428,
    )
    .await;
    let keyed = |key: &'static str| {
        app.http
            .post(app.url(&start))
            .bearer_auth(&citizen)
            .header("idempotency-key", key)
            .json(&json!({"provider": "sandbox"}))
            .send()
    };
    let first: Value = keyed("pay-1").await.unwrap().json().await.unwrap();
    let again: Value = keyed("pay-1").await.unwrap().json().await.unwrap();
    assert_eq!(first["checkout_url"], again["checkout_url"], "{again}");
    assert!(
        first["checkout_url"]
            .as_str()
            .unwrap()
            .contains("/sandbox/checkout/")
    );

    let crossing = json!({"passport_number": "19FR12345", "visa_number": "VS-2026-000001-0", "direction": "exit"});
    let post = app.border_officer("PAF-BKO-AIRPORT");
    problem(
        unkeyed(&post, "/v1/border/crossings", &crossing)
            .await
            .unwrap(),
        428,
    )
    .await;

    // Every creating route of the contract is one of the three above: a new one is tested here.
    let creating: Vec<Op> = table()
        .iter()
        .filter(|r| r.op.creates())
        .map(|r| r.op)
        .collect();
    assert_eq!(
        creating,
        [Op::SubmitApplication, Op::RecordCrossing, Op::StartPayment]
    );
}
