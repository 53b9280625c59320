//! Kinds as types: the nationality certificate goes clerk → signatory → issued → verified, the
//! two steps never by one person; a catalogue entry with no kind behind it stops the start.

use crate::helpers::*;
use serde_json::{Value, json};

#[tokio::test]
async fn a_nationality_certificate_is_proposed_signed_issued_and_verified() {
    walk_a_certificate(&spawn_app().await).await;
}

#[tokio::test]
async fn a_nationality_certificate_is_proposed_signed_issued_and_verified_on_aws() {
    walk_a_certificate(&spawn_aws_app().await).await;
}

const KAYES: &str = "TGI-KAY";

fn steps(view: &Value) -> Vec<(String, String)> {
    view["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_owned(), b.to_owned())
}

async fn walk_a_certificate(app: &TestApp) {
    let citizen = app.citizen("citizen-moussa");
    let created = app
        .submitted(&citizen, &certificate_request("Coulibaly", "Kayes"))
        .await;
    assert_eq!(created["kind"], "nationality_certificate");
    assert_eq!(created["office"], KAYES, "the court of the place of birth");
    assert_eq!(created["fee"], json!({"amount": 750, "currency": "XOF"}));
    let id = created["id"].as_str().unwrap();
    let reference = created["payment_reference"].as_str().unwrap();
    // One proof joined before paying, one after: paid, it waits for the missing one.
    let first = app
        .attach(
            &citizen,
            id,
            "birth_certificate",
            scanned_act("acte de naissance"),
        )
        .await;
    assert_eq!(app.checked(&citizen, id, &first).await["state"], "accepted");
    assert_eq!(app.pay(reference, "om-cn-1", 750).await.status(), 200);
    let waiting = app.application(&citizen, id).await;
    assert_eq!(waiting["status"], "needs_info");
    let reason = waiting["history"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("parent_nationality_proof") && !reason.contains("birth_certificate,"),
        "{reason}"
    );
    let clerk_queue: Value = app
        .get(&app.clerk(KAYES), &format!("/v1/work?office={KAYES}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        clerk_queue["items"],
        json!([]),
        "not in the clerk's queue without its proofs"
    );
    let second = app
        .attach(
            &citizen,
            id,
            "parent_nationality_proof",
            scanned_act("carte d'identité du père"),
        )
        .await;
    assert_eq!(
        app.checked(&citizen, id, &second).await["state"],
        "accepted"
    );
    let view = app.wait_for_status(&citizen, id, "in_review").await;
    assert_eq!(
        steps(&view),
        vec![pair("examination", "open"), pair("signature", "waiting")]
    );

    let clerk = app.clerk(KAYES);
    let president = app.token("signatory", Some(KAYES), "president-kayes");
    // Only a clerk proposes.
    let early = app
        .decide(&president, id, &json!({"decision": "approve"}))
        .await;
    let p = problem(early, 403).await;
    assert!(p["detail"].as_str().unwrap().contains("autre agent"), "{p}");
    // The extract's `record` is not this kind's content.
    let wrong = app
        .decide(
            &clerk,
            id,
            &json!({"decision": "approve", "record": {"convictions": []}}),
        )
        .await;
    assert_eq!(fields(&problem(wrong, 422).await), vec!["record"]);
    let proposed = app
        .decide(
            &clerk,
            id,
            &json!({"decision": "approve", "content": {"basis": "born_in_mali_to_malian_parent"}}),
        )
        .await;
    assert_eq!(proposed.status(), 200);
    let proposed: Value = proposed.json().await.unwrap();
    assert_eq!(proposed["status"], "awaiting_signature");
    assert_eq!(proposed["steps"][0]["by"], "clerk");
    assert_eq!(
        steps(&proposed),
        vec![pair("examination", "done"), pair("signature", "open")]
    );

    // Only a signatory signs, and never the clerk who proposed, whatever token they hold.
    let p = problem(
        app.sign(&clerk, id, &json!({"decision": "sign"})).await,
        403,
    )
    .await;
    assert!(
        p["detail_en"].as_str().unwrap().contains("signatory"),
        "{p}"
    );
    let clerk_as_signatory = app.token("signatory", Some(KAYES), &format!("clerk-{KAYES}"));
    let p = problem(
        app.sign(&clerk_as_signatory, id, &json!({"decision": "sign"}))
            .await,
        403,
    )
    .await;
    assert!(
        p["detail_en"].as_str().unwrap().contains("second officer"),
        "{p}"
    );
    assert_eq!(
        app.application(&citizen, id).await["status"],
        "awaiting_signature"
    );
    let p = problem(
        app.sign(&president, id, &json!({"decision": "refuse"}))
            .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), vec!["reason"]);

    // The signatory's queue holds it.
    let queue: Value = app
        .get(
            &president,
            &format!("/v1/work?office={KAYES}&status=awaiting_signature"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queue["items"][0]["id"], id);

    // Refused: back to the clerk with the reason, who proposes again; then signed.
    let back = app
        .sign(
            &president,
            id,
            &json!({"decision": "refuse", "reason": "Acte de naissance du père à vérifier"}),
        )
        .await;
    assert_eq!(back.status(), 200);
    let back: Value = back.json().await.unwrap();
    assert_eq!(back["status"], "in_review");
    assert_eq!(
        steps(&back),
        vec![pair("examination", "open"), pair("signature", "waiting")]
    );
    let again = app
        .decide(&clerk, id, &json!({"decision": "approve"}))
        .await;
    assert_eq!(again.status(), 200);
    let signed = app.sign(&president, id, &json!({"decision": "sign"})).await;
    assert_eq!(signed.status(), 200);

    let issued = app.wait_for_status(&citizen, id, "issued").await;
    assert_eq!(
        steps(&issued),
        vec![pair("examination", "done"), pair("signature", "done")]
    );
    assert_eq!(issued["steps"][1]["by"], "signatory");
    let path: Vec<&str> = path(&issued);
    assert_eq!(
        path,
        vec![
            "needs_info",
            "in_review",
            "awaiting_signature",
            "in_review",
            "awaiting_signature",
            "approved",
            "issued"
        ]
    );
    let number = issued["document"]["number"].as_str().unwrap().to_owned();
    assert!(number.starts_with("CN-"), "{number}");
    assert!(
        issued["document"].get("expires_at").is_none(),
        "valid without limit of time"
    );

    let text = app.document_text(&citizen, id).await;
    for expected in [
        "CERTIFICAT DE NATIONALITÉ MALIENNE",
        "Coulibaly",
        "Tribunal de Grande Instance de Kayes",
        "par filiation",
        "Le Président du Tribunal",
        // The signatory decided (not the clerk who proposed): their name from their token.
        "Agent president-kayes, décision du",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
    let pdf = app.download(&citizen, id).await;
    let file = app.dir.path().join("certificate.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let seal = qr_codes(&file).remove(0);
    let by_seal = app.verify_seal(&seal).await;
    assert_eq!(by_seal["status"], "valid", "{by_seal}");
    assert_eq!(by_seal["kind"], "nationality_certificate");
    assert_eq!(by_seal["title"], "Certificat de nationalité malienne");
    assert_eq!(
        app.verify_number(&issued["document"]).await["status"],
        "valid"
    );
    assert_eq!(app.verify_pdf(&pdf).await["identical_file"], true);
}

/// The hazard of an operator's edit: an entry with no kind behind it (once approved empty and
/// issued as an extract reading "NÉANT") stops the start, naming the entry.
#[tokio::test]
async fn a_catalogue_entry_with_no_kind_behind_it_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = guichet_core::catalogue::DEFAULT_JSON.replacen(
        "\"services\": [",
        "\"services\": [{\"kind\": \"death_certificate_copy\", \"fee\": {\"amount\": 500, \"currency\": \"XOF\"}, \"validity_days\": null, \"online\": true},",
        1,
    );
    std::fs::write(dir.path().join("catalogue.json"), catalogue).unwrap();
    let settings = guichet_cli::settings::Settings::development(dir.path());
    let err = guichet_cli::backend::open_local(&settings)
        .await
        .err()
        .expect("the start is refused");
    let message = format!("{err:#}");
    assert!(message.contains("death_certificate_copy"), "{message}");
}

/// The catalogue as an API: each offered kind with what a front end needs to draw its form and
/// each officer's step, public and cacheable.
#[tokio::test]
async fn the_catalogue_describes_each_kind_its_form_and_its_steps() {
    let app = spawn_app().await;
    let resp = app.http.get(app.url("/v1/catalogue")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "public, max-age=300");
    let body: Value = resp.json().await.unwrap();
    let services = body["services"].as_array().unwrap();
    let kinds: Vec<&str> = services
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["criminal_record_extract", "nationality_certificate", "visa"]
    );
    let extract = &services[0];
    assert_eq!(extract["fee"], json!({"amount": 750, "currency": "XOF"}));
    assert_eq!(extract["validity_days"], 90);
    assert!(extract["details_schema"]["properties"]["purpose"].is_object());
    assert_eq!(extract["steps"][0]["roles"], json!(["clerk", "signatory"]));
    assert!(
        extract["steps"][0]["action"]["body_schema"]["properties"]["record"]["properties"]
            ["convictions"]
            .is_object()
    );
    // The record goes with an approval alone; a refusal or a question says why (issue 27,
    // item 1): the console draws its form from these conditions.
    assert_eq!(
        extract["steps"][0]["action"]["body_schema"]["allOf"],
        json!([
            {"if": {"required": ["decision"], "properties": {"decision": {"enum": ["approve"]}}},
             "then": {}, "else": {"properties": {"record": false}}},
            {"if": {"required": ["decision"], "properties": {"decision": {"enum": ["reject", "request_info"]}}},
             "then": {"required": ["reason"]}, "else": {}},
        ])
    );
    // What the form must fill, as the server requires it (issue 27, item 2): the place of birth
    // where it chooses the court, not for a traveller; and what the start page says.
    assert_eq!(
        extract["applicant_required"],
        json!(["surname", "given_names", "birth_date", "birth_place"])
    );
    assert_eq!(
        services[2]["applicant_required"],
        json!(["surname", "given_names", "birth_date"])
    );
    for service in services {
        assert!(
            service["about"].as_str().is_some_and(|a| a.len() > 40),
            "{service}"
        );
        assert!(
            service["about_en"].is_string() && service["usual_days"].is_u64(),
            "{service}"
        );
    }
    let certificate = &services[1];
    assert_eq!(certificate["title"], "Certificat de nationalité malienne");
    assert!(certificate.get("validity_days").is_none());
    let attachments: Vec<&str> = certificate["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        attachments,
        vec!["birth_certificate", "parent_nationality_proof"]
    );
    assert_eq!(certificate["attachments"][0]["max_bytes"], 5 * 1024 * 1024);
    let steps = certificate["steps"].as_array().unwrap();
    assert_eq!(steps[0]["name"], "examination");
    assert_eq!(steps[0]["action"]["path"], "/v1/applications/{id}/decision");
    assert_eq!(steps[1]["name"], "signature");
    assert_eq!(steps[1]["roles"], json!(["signatory"]));
    assert_eq!(steps[1]["second_person_of"], "examination");
    assert_eq!(
        steps[1]["action"]["path"],
        "/v1/applications/{id}/signature"
    );
    assert_eq!(
        steps[1]["action"]["body_schema"]["properties"]["decision"]["enum"],
        json!(["sign", "refuse"])
    );
    assert_eq!(
        certificate["details_schema"]["properties"]["basis"]["enum"][3],
        "naturalisation"
    );
}
