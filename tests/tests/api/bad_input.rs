//! Bad input gets a clear problem and leaves nothing half-written.

use crate::helpers::*;
use guichet_core::domain::Provider;
use serde_json::{Value, json};

async fn nothing_stored_for(app: &TestApp, citizen: &str) {
    let list: Value = app
        .get(citizen, "/v1/applications")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["items"],
        json!([]),
        "a refused request left an application behind"
    );
}

#[tokio::test]
async fn malformed_json_is_400() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-malformed");
    let resp = app
        .http
        .post(app.url("/v1/applications"))
        .bearer_auth(&citizen)
        .header("idempotency-key", fresh_key())
        .header("content-type", "application/json")
        .body("{\"kind\": \"criminal_record_extract\",")
        .send()
        .await
        .unwrap();
    problem(resp, 400).await;
    nothing_stored_for(&app, &citizen).await;
}

#[tokio::test]
async fn every_invalid_field_is_named_in_french_and_english() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-invalid");
    let body = json!({
        "kind": "criminal_record_extract",
        "applicant": { "given_names": "R2-D2", "birth_date": "2090-01-01", "birth_place": "Bamako", "email": "pas-une-adresse" }
    });
    let p = problem(app.submit(&citizen, &body).await, 422).await;
    assert_eq!(
        fields(&p),
        [
            "applicant.surname",
            "applicant.given_names",
            "applicant.birth_date",
            "applicant.email"
        ]
    );
    let surname = &p["errors"][0];
    assert_eq!(surname["message"], "Ce champ est obligatoire.");
    assert_eq!(surname["message_en"], "This field is required.");
    assert_eq!(
        p["errors"][2]["message_en"],
        "The date cannot be in the future."
    );

    let p = problem(
        app.submit(&citizen, &json!({ "kind": 3, "applicant": {} }))
            .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["kind"]);
    let p = problem(app.submit(&citizen, &json!({ "kind": "criminal_record_extract", "applicant": { "surname": "A", "nickname": "x" } })).await, 422).await;
    assert_eq!(
        fields(&p),
        ["applicant.nickname"],
        "unknown fields are refused, by name"
    );
    let p = problem(app.submit(&citizen, &json!({})).await, 422).await;
    assert_eq!(fields(&p), ["kind", "applicant"]);
    nothing_stored_for(&app, &citizen).await;
}

#[tokio::test]
async fn an_unknown_or_unoffered_kind_is_422() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-kind");
    let mut body = extract_request("Traoré", "Awa", "Bamako");
    body["kind"] = json!("driving_licence");
    let p = problem(app.submit(&citizen, &body).await, 422).await;
    assert_eq!(fields(&p), ["kind"]);
    let message = p["errors"][0]["message_en"].as_str().unwrap();
    assert!(message.starts_with("Unknown document kind."), "{p}");
    body["kind"] = json!("consular_card");
    let p = problem(app.submit(&citizen, &body).await, 422).await;
    let message = p["errors"][0]["message_en"].as_str().unwrap();
    assert!(
        message.starts_with("This document cannot be requested online yet."),
        "{p}"
    );
    nothing_stored_for(&app, &citizen).await;
}

#[tokio::test]
async fn a_body_over_64_kb_is_413() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-large");
    let mut body = extract_request("Traoré", "Awa", "Bamako");
    body["details"]["purpose"] = json!("x".repeat(70 * 1024));
    problem(app.submit(&citizen, &body).await, 413).await;
    nothing_stored_for(&app, &citizen).await;
}

#[tokio::test]
async fn no_or_bad_token_is_401() {
    let app = spawn_app().await;
    let body = extract_request("Traoré", "Awa", "Bamako");
    let resp = app
        .http
        .post(app.url("/v1/applications"))
        .json(&body)
        .send()
        .await
        .unwrap();
    // How to authenticate is said (issue 27, item 12).
    assert_eq!(
        resp.headers()["www-authenticate"],
        "Bearer realm=\"guichet\""
    );
    problem(resp, 401).await;
    problem(app.submit("not.a.token", &body).await, 401).await;
    let other_server_token = {
        let other = spawn_app().await;
        other.citizen("c-elsewhere")
    };
    problem(app.submit(&other_server_token, &body).await, 401).await;
    problem(app.get("", "/v1/work").await, 401).await;
}

#[tokio::test]
async fn the_wrong_role_is_403() {
    let app = spawn_app().await;
    let clerk = app.clerk(BAMAKO_REGISTRY);
    problem(
        app.submit(&clerk, &extract_request("Traoré", "Awa", "Bamako"))
            .await,
        403,
    )
    .await;
    let citizen = app.citizen("c-role");
    problem(app.get(&citizen, "/v1/work").await, 403).await;
    let id = app.paid_application(&citizen, "Traoré").await;
    problem(
        app.decide(
            &citizen,
            &id,
            &json!({ "decision": "approve", "record": { "convictions": [] } }),
        )
        .await,
        403,
    )
    .await;
    problem(app.get(&clerk, "/v1/work?office=TGI-KAY").await, 404).await;
    assert_eq!(app.application(&citizen, &id).await["status"], "in_review");
}

#[tokio::test]
async fn someone_elses_application_is_404() {
    let app = spawn_app().await;
    let owner = app.citizen("c-owner");
    let id = app.paid_application(&owner, "Traoré").await;
    let stranger = app.citizen("c-stranger");
    problem(
        app.get(&stranger, &format!("/v1/applications/{id}")).await,
        404,
    )
    .await;
    problem(
        app.get(&stranger, &format!("/v1/applications/{id}/document"))
            .await,
        404,
    )
    .await;
    let foreign_clerk = app.clerk("TGI-KAY");
    problem(
        app.get(&foreign_clerk, &format!("/v1/applications/{id}"))
            .await,
        404,
    )
    .await;
    problem(
        app.decide(
            &foreign_clerk,
            &id,
            &json!({ "decision": "approve", "record": { "convictions": [] } }),
        )
        .await,
        404,
    )
    .await;
    problem(app.get(&stranger, "/v1/applications/not-an-id").await, 404).await;
    // The office's own clerk does see it.
    assert_eq!(
        app.application(&app.clerk(BAMAKO_REGISTRY), &id).await["id"],
        id.as_str()
    );
}

#[tokio::test]
async fn a_decision_on_an_unpaid_or_decided_application_is_409() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-409");
    let clerk = app.clerk(BAMAKO_REGISTRY);
    let approve = json!({ "decision": "approve", "record": { "convictions": [] } });
    let unpaid = app
        .submitted(&citizen, &extract_request("Traoré", "Awa", "Bamako"))
        .await;
    let unpaid_id = unpaid["id"].as_str().unwrap();
    problem(app.decide(&clerk, unpaid_id, &approve).await, 409).await;
    assert_eq!(
        app.application(&citizen, unpaid_id).await["status"],
        "awaiting_payment"
    );

    let id = app.paid_application(&citizen, "Traoré").await;
    assert_eq!(
        app.decide(
            &clerk,
            &id,
            &json!({ "decision": "reject", "reason": "Doublon" })
        )
        .await
        .status(),
        200
    );
    problem(app.decide(&clerk, &id, &approve).await, 409).await;
    assert_eq!(app.application(&citizen, &id).await["status"], "rejected");
}

#[tokio::test]
async fn a_decision_missing_what_it_needs_is_422() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-decision");
    let clerk = app.clerk(BAMAKO_REGISTRY);
    let id = app.paid_application(&citizen, "Traoré").await;
    let p = problem(
        app.decide(&clerk, &id, &json!({ "decision": "approve" }))
            .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["record"]);
    let p = problem(
        app.decide(&clerk, &id, &json!({ "decision": "reject" }))
            .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["reason"]);
    let p = problem(
        app.decide(&clerk, &id, &json!({ "decision": "maybe" }))
            .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["decision"]);
    let p = problem(
        app.decide(&clerk, &id, &json!({ "decision": "approve", "record": { "convictions": [{ "date": "2019-01-01" }] } })).await,
        422,
    )
    .await;
    assert_eq!(
        fields(&p),
        [
            "record.convictions[0].court",
            "record.convictions[0].offence",
            "record.convictions[0].sentence"
        ]
    );
    assert_eq!(app.application(&citizen, &id).await["status"], "in_review");
}

#[tokio::test]
async fn a_webhook_with_a_bad_signature_is_401_and_records_nothing() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-sig");
    let created = app
        .submitted(&citizen, &extract_request("Traoré", "Awa", "Bamako"))
        .await;
    let notice = json!({ "provider_txn": "om-forged", "payment_reference": created["payment_reference"], "amount": 750, "currency": "XOF", "status": "succeeded" });
    let (bytes, forged) = app.signed_notice(&notice, b"not-the-secret-not-the-secret-xx");
    problem(app.webhook("sandbox", bytes.clone(), &forged).await, 401).await;
    let resp = app
        .http
        .post(app.url("/v1/payments/webhook/sandbox"))
        .header("content-type", "application/json")
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    problem(resp, 401).await;
    let (_, good_sig_other_body) = app.signed_notice(&json!({ "other": true }), PAYMENT_SECRET);
    problem(
        app.webhook("sandbox", bytes, &good_sig_other_body).await,
        401,
    )
    .await;
    assert!(
        app.server
            .backend
            .payments
            .payment(Provider::Sandbox, "om-forged")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        app.application(&citizen, created["id"].as_str().unwrap())
            .await["status"],
        "awaiting_payment"
    );
    // The real notice for the same transaction still goes through: the forgery took nothing.
    let ack: Value = app
        .pay(
            created["payment_reference"].as_str().unwrap(),
            "om-forged",
            750,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ack["outcome"], "applied");
    problem(
        app.webhook("paypal", b"{}".to_vec(), "t=1,v1=00").await,
        404,
    )
    .await;
}

#[tokio::test]
async fn a_webhook_with_the_wrong_amount_is_recorded_and_pays_nothing() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-amount");
    let created = app
        .submitted(&citizen, &extract_request("Traoré", "Awa", "Bamako"))
        .await;
    let reference = created["payment_reference"].as_str().unwrap();
    let ack: Value = app
        .pay(reference, "om-short", 500)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ack["outcome"], "amount_mismatch");
    let recorded = app
        .server
        .backend
        .payments
        .payment(Provider::Sandbox, "om-short")
        .await
        .unwrap()
        .expect("kept for ops");
    assert_eq!(recorded.amount, 500);
    assert_eq!(
        app.application(&citizen, created["id"].as_str().unwrap())
            .await["status"],
        "awaiting_payment"
    );
    let notice = json!({ "provider_txn": "om-euro", "payment_reference": reference, "amount": 750, "currency": "EUR", "status": "succeeded" });
    let (bytes, sig) = app.signed_notice(&notice, PAYMENT_SECRET);
    let ack: Value = app
        .webhook("sandbox", bytes, &sig)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ack["outcome"], "amount_mismatch");
    let (bytes, sig) = app.signed_notice(
        &json!({ "provider_txn": "om-x", "amount": 750 }),
        PAYMENT_SECRET,
    );
    problem(app.webhook("sandbox", bytes, &sig).await, 422).await;
}

#[tokio::test]
async fn verify_catches_a_typo_before_any_lookup_and_knows_unknown_numbers() {
    let app = spawn_app().await;
    let p = problem(
        app.http
            .get(app.url("/v1/verify/CJ-2026-000123-0"))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    let good = guichet_core::domain::DocumentNumber::new(
        guichet_core::domain::NumberPrefix::known("CJ"),
        2026,
        123,
    )
    .unwrap();
    assert_eq!(fields(&p), ["number"], "{good} is the valid one");
    let unknown: Value = app.public_json(&format!("/v1/verify/{good}")).await;
    assert_eq!(unknown, json!({ "status": "code_required" }));
    let unknown: Value = app
        .http
        .post(app.url("/v1/verify"))
        .json(&json!({ "number": good.to_string(), "code": "7KQ2-M9XD" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(unknown["status"], "unknown");
    assert!(unknown.get("holder").is_none());
    problem(
        app.http
            .post(app.url("/v1/verify"))
            .json(&json!({ "seal": "hello" }))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
}

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405() {
    let app = spawn_app().await;
    problem(
        app.http.get(app.url("/v1/nothing")).send().await.unwrap(),
        404,
    )
    .await;
    let resp = app
        .http
        .delete(app.url("/v1/applications"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["allow"], "GET, HEAD, POST");
    problem(resp, 405).await;
    let resp = app.http.get(app.url("/v1/verify")).send().await.unwrap();
    assert_eq!(resp.headers()["allow"], "POST");
    problem(resp, 405).await;
    let resp = app.http.get(app.url("/v1/keys")).send().await.unwrap();
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
}

/// Issue 27, item 2: the applicant and the details are read in one pass, so one answer names
/// every wrong field (a certificate's missing place of birth hid its missing basis; a visa's bad
/// name, its dates and its purpose come together).
#[tokio::test]
async fn one_answer_names_every_wrong_field_of_the_applicant_and_the_details() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-one-pass");
    let sorted = |p: &Value| {
        let mut f = fields(p);
        f.sort();
        f
    };
    let certificate = json!({
        "kind": "nationality_certificate",
        "applicant": {"surname": "Coulibaly", "given_names": "Awa", "birth_date": "1990-01-01"},
        "details": {"parent": {"surname": "Coulibaly", "relationship": "uncle"}}
    });
    let p = problem(app.submit(&citizen, &certificate).await, 422).await;
    assert_eq!(
        sorted(&p),
        vec![
            "applicant.birth_place",
            "details.basis",
            "details.parent.birth_date",
            "details.parent.birth_place",
            "details.parent.given_names",
            "details.parent.relationship",
        ],
        "{p}"
    );
    let traveller = crate::visas::Traveller::french("MARTIN", "CLAIRE", "1985-06-01");
    let mut visa =
        crate::visas::visa_request(&traveller, "tourism", "national", "single", "AMB-PARIS", 10);
    visa["applicant"]["given_names"] = json!("CL4IRE");
    visa["details"]["arrival_date"] = json!("2020-01-01");
    visa["details"]["purpose"] = json!(" ");
    let p = problem(app.submit(&citizen, &visa).await, 422).await;
    assert_eq!(
        sorted(&p),
        vec![
            "applicant.given_names",
            "details.arrival_date",
            "details.purpose",
        ],
        "{p}"
    );
}

/// Issue 27, item 12: each refusal names its real reason and what to do, not "your role does not
/// allow this" or a wrong type at an empty field.
#[tokio::test]
async fn each_refusal_names_its_real_reason() {
    let app = spawn_app().await;
    let detail = |p: &Value| p["detail"].as_str().unwrap_or_default().to_owned();
    let citizen = app.citizen("c-reasons");

    // A signatory signing an extract, whose one step is decided, not signed.
    let id = app.paid_application(&citizen, "Traoré").await;
    let signatory = app.token("signatory", Some(BAMAKO_REGISTRY), "president-bko");
    let p = problem(
        app.sign(&signatory, &id, &json!({"decision": "sign"}))
            .await,
        403,
    )
    .await;
    assert!(
        detail(&p).contains("review (POST /v1/applications/{id}/decision)"),
        "{p}"
    );

    // A partner of a state that is not an AES partner; a border officer of no known post.
    let p = problem(app.get(&app.partner("FRA"), "/v1/aes/visas").await, 403).await;
    assert!(detail(&p).contains("AES"), "{p}");
    let p = problem(
        app.post_json(
            &app.token("border_officer", Some("NOWHERE"), "agent-x"),
            "/v1/border/crossings",
            &json!({"direction": "entry", "visa_number": "VS-2026-000001-3", "passport_number": "X"}),
        )
        .await,
        403,
    )
    .await;
    assert!(detail(&p).contains("NOWHERE"), "{p}");

    // A preflight from a page the service does not serve.
    let resp = app
        .http
        .request(reqwest::Method::OPTIONS, app.url("/v1/applications"))
        .header("origin", "https://elsewhere.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    let p = problem(resp, 403).await;
    assert!(detail(&p).contains("origines"), "{p}");

    // A PDF with no seal; an array for a body; a key written twice.
    let resp = app
        .http
        .post(app.url("/v1/verify"))
        .header("content-type", "application/pdf")
        .body(b"%PDF-1.7\n%nothing here\n".to_vec())
        .send()
        .await
        .unwrap();
    let p = problem(resp, 422).await;
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("ne porte pas de sceau"),
        "{p}"
    );
    for (body, field, says) in [
        ("[1, 2]", "body", "objet JSON"),
        (
            r#"{"decision": "approve", "decision": "reject"}"#,
            "decision",
            "deux fois",
        ),
    ] {
        let resp = app
            .http
            .post(app.url(&format!("/v1/applications/{id}/decision")))
            .bearer_auth(app.clerk(BAMAKO_REGISTRY))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let p = problem(resp, 422).await;
        assert_eq!(fields(&p), vec![field], "{p}");
        assert!(
            p["errors"][0]["message"].as_str().unwrap().contains(says),
            "{p}"
        );
    }
}
