//! The walking skeleton: submit → pay → approve → issued → download → verify, over HTTP.

use crate::helpers::*;
use guichet_seal::{self as seal, JwkSet};
use serde_json::{Value, json};

#[tokio::test]
async fn an_extract_goes_from_request_to_a_verified_pdf() {
    walk_an_extract(&spawn_app().await).await;
}

/// The same walk with DynamoDB, S3 and SQS (on moto server) under the same functions.
#[tokio::test]
async fn an_extract_goes_from_request_to_a_verified_pdf_on_aws() {
    walk_an_extract(&spawn_aws_app().await).await;
}

fn path_ids(queue: &Value) -> Vec<&str> {
    queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect()
}

async fn walk_an_extract(app: &TestApp) {
    let citizen = app.citizen("citizen-aminata");

    // 1. Ask.
    let created = app
        .submitted(
            &citizen,
            &extract_request("Traoré", "Aminata Fatoumata", "Bamako"),
        )
        .await;
    assert_eq!(created["status"], "awaiting_payment");
    assert_eq!(created["kind"], "criminal_record_extract");
    assert_eq!(created["office"], BAMAKO_REGISTRY);
    assert_eq!(created["fee"], json!({ "amount": 750, "currency": "XOF" }));
    let id = created["id"].as_str().unwrap();
    let reference = created["payment_reference"].as_str().unwrap();

    // 2. Pay.
    let ack: Value = app
        .pay(reference, "om-0001", 750)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ack["outcome"], "applied");
    assert_eq!(app.application(&citizen, id).await["status"], "in_review");

    // 3. The clerk sees it in the queue and approves with an empty record.
    let clerk = app.clerk(BAMAKO_REGISTRY);
    let queue: Value = app
        .get(&clerk, &format!("/v1/work?office={BAMAKO_REGISTRY}"))
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![id]);
    // Each by its reference, no name (issue 27, item 1).
    assert_eq!(queue["items"][0]["reference"], reference);
    assert!(!queue.to_string().contains("Traoré"), "{queue}");
    let decided = app
        .decide(
            &clerk,
            id,
            &json!({ "decision": "approve", "record": { "convictions": [] } }),
        )
        .await;
    assert_eq!(decided.status(), 200);

    // 4. Issued by the queue consumer.
    let issued = app.wait_for_status(&citizen, id, "issued").await;
    let number = issued["document"]["number"].as_str().unwrap().to_owned();
    assert!(number.starts_with("CJ-"), "{number}");
    let code = issued["document"]["verification_code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!((code.len(), &code[4..5]), (9, "-"), "{code}");
    let history: Vec<(String, String)> = issued["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["from"].as_str().unwrap().into(),
                h["to"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        history,
        [
            ("awaiting_payment", "in_review"),
            ("in_review", "approved"),
            ("approved", "issued")
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );

    // The clerk finds it by its reference or its document number, typed as people type them;
    // each search is a read on record; another office's clerk finds nothing.
    for q in [reference.to_owned(), number.to_lowercase()] {
        let found: Value = app
            .get(&clerk, &format!("/v1/work?office={BAMAKO_REGISTRY}&q={q}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(path_ids(&found), vec![id], "{q}: {found}");
        assert_eq!(found["items"][0]["status"], "issued");
    }
    let elsewhere: Value = app
        .get(&app.clerk(OTHER_OFFICE), &format!("/v1/work?q={reference}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(path_ids(&elsewhere), Vec::<&str>::new(), "{elsewhere}");
    let searches = app.application(&citizen, id).await["accesses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["what"] == "search")
        .count();
    assert_eq!(searches, 2);
    let (body, check) = number.split_at(number.len() - 1);
    let mistyped = format!("{body}{}", if check == "0" { 1 } else { 0 });
    for (q, says) in [
        (mistyped.as_str(), "vérifiez la saisie"),
        ("Traoré", "GCH-"),
    ] {
        let p = problem(app.get(&clerk, &format!("/v1/work?q={q}")).await, 422).await;
        assert_eq!(fields(&p), vec!["q"], "{p}");
        assert!(
            p["errors"][0]["message"].as_str().unwrap().contains(says),
            "{p}"
        );
    }

    // 5. Download: a real PDF, in French, accents intact.
    let pdf = app.download(&citizen, id).await;
    assert!(pdf.starts_with(b"%PDF-"));
    let path = app.dir.path().join("extract.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let text = pdf_text(&path);
    for expected in [
        "EXTRAIT DU CASIER JUDICIAIRE",
        "Bulletin n°3",
        "Traoré",
        "Aminata Fatoumata",
        "NÉANT",
        &number,
        &format!("Code de vérification / Verification code : {code}"),
        "Tribunal de Grande Instance de la Commune III",
        "Délivré à Bamako",
    ] {
        assert!(
            text.contains(expected),
            "the PDF does not show {expected:?}:\n{text}"
        );
    }

    // 6. Its QR image decodes to a seal that verifies against the published keys.
    let codes = qr_codes(&path);
    assert_eq!(codes.len(), 1, "one QR code on the page");
    let jwks: Value = app.public_json("/v1/keys").await;
    assert_eq!(jwks["keys"][0]["kty"], "OKP");
    assert_eq!(jwks["keys"][0]["crv"], "Ed25519");
    let claims = seal::open(&codes[0], &JwkSet::parse(&jwks).unwrap()).expect("the seal verifies");
    assert_eq!(claims.number.to_string(), number);
    assert!(
        matches!(&claims.holder, guichet_core::domain::SealedHolder::Person { surname, .. } if surname == "Traoré"),
        "{claims:?}"
    );
    assert_eq!(claims.office.as_str(), BAMAKO_REGISTRY);

    // Offline too: the PDF against a keys file, no server needed.
    let keys_file = app.dir.path().join("keys.json");
    std::fs::write(&keys_file, serde_json::to_vec(&jwks).unwrap()).unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    let offline = guichet_cli::verify::check(&keys_file, path.to_str().unwrap(), today).unwrap();
    assert!(
        matches!(&offline, guichet_cli::verify::Offline::Valid(c) if c.number.to_string() == number),
        "{offline:?}"
    );
    let later = today + time::Duration::days(91);
    assert!(matches!(
        guichet_cli::verify::check(&keys_file, &codes[0], later).unwrap(),
        guichet_cli::verify::Offline::Expired(_)
    ));

    // 7. Anyone verifies: by number and code, by seal, by the file itself. A number alone says
    // nothing (numbers are sequential): it asks for the code, issued or not.
    let alone: Value = app.public_json(&format!("/v1/verify/{number}")).await;
    assert_eq!(alone, json!({ "status": "code_required" }));
    let by_number = app.verify_number(&issued["document"]).await;
    assert_eq!(by_number["status"], "valid", "{by_number}");
    assert_eq!(
        by_number["holder"],
        json!({ "surname": "T.", "given_names": "A. F.", "birth_date": "1990", "masked": true, "initials": "A. F. T." }),
        "by number and code: the initials and the birth year only"
    );
    assert_eq!(by_number["kind"], "criminal_record_extract");
    assert!(by_number["issued_at"].is_string() && by_number["expires_at"].is_string());
    let by_seal: Value = app
        .http
        .post(app.url("/v1/verify"))
        .json(&json!({ "seal": codes[0] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (by_seal["status"].as_str(), by_seal["signature"].as_str()),
        (Some("valid"), Some("valid"))
    );
    assert_eq!(
        by_seal["holder"],
        json!({ "surname": "Traoré", "given_names": "Aminata Fatoumata", "birth_date": "1990-04-12", "masked": false }),
        "whoever holds the seal holds what it says"
    );
    let verify_pdf = |bytes: Vec<u8>| {
        app.http
            .post(app.url("/v1/verify"))
            .header("content-type", "application/pdf")
            .body(bytes)
            .send()
    };
    let by_file: Value = verify_pdf(pdf.clone()).await.unwrap().json().await.unwrap();
    assert_eq!(
        (
            by_file["status"].as_str(),
            by_file["identical_file"].as_bool()
        ),
        (Some("valid"), Some(true))
    );
    let mut edited = pdf.clone();
    let at = edited.len() / 2;
    edited[at] ^= 0x01;
    let by_edited: Value = verify_pdf(edited.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            by_edited["status"].as_str(),
            by_edited["document_status"].as_str(),
            by_edited["identical_file"].as_bool()
        ),
        (Some("modified"), Some("valid"), Some(false)),
        "an edited file is not the issued one, and never a bare valid: {by_edited}"
    );
    assert!(
        by_edited["message"]
            .as_str()
            .is_some_and(|m| m.contains("ce fichier n'est pas celui qui a été délivré"))
            && by_edited["message_en"]
                .as_str()
                .is_some_and(|m| m.contains("this file is not the one that was issued")),
        "{by_edited}"
    );

    // 8. The file signs itself: a PDF reader (poppler's pdfsig) finds the signature valid, the
    // whole file signed, and the certificate trusted once told to trust the published root; the
    // edited file's signature no longer matches.
    let pem = app
        .http
        .get(app.url("/v1/keys/certificates"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        pem.headers()["content-type"],
        "application/pem-certificate-chain"
    );
    let pem = pem.text().await.unwrap();
    let edited_path = app.dir.path().join("edited.pdf");
    std::fs::write(&edited_path, &edited).unwrap();
    let (signed, changed) = pdfsig(app.dir.path(), &pem, &[&path, &edited_path]);
    for expected in [
        "Signature Type: ETSI.CAdES.detached",
        "Signing Hash Algorithm: SHA-256",
        "Total document signed",
        "Signature Validation: Signature is Valid.",
        "Certificate Validation: Certificate is Trusted.",
    ] {
        assert!(signed.contains(expected), "{expected:?} not in {signed}");
    }
    assert!(
        changed.contains("Signature Validation: Digest Mismatch."),
        "{changed}"
    );

    // A forged seal (another key) is refused.
    let forged_keys = guichet_seal::SealKeys::new(vec![guichet_seal::SealKey::from_secret(
        [9; 32],
        time::OffsetDateTime::now_utc(),
    )])
    .unwrap();
    let forged = forged_keys.seal(&claims);
    let by_forged: Value = app
        .http
        .post(app.url("/v1/verify"))
        .json(&json!({ "seal": forged }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            by_forged["status"].as_str(),
            by_forged["signature"].as_str()
        ),
        (Some("unknown"), Some("invalid"))
    );
    assert!(by_forged.get("holder").is_none());
}

#[tokio::test]
async fn convictions_are_printed_on_the_extract() {
    let app = spawn_app().await;
    let citizen = app.citizen("citizen-sekou");
    let id = app.paid_application(&citizen, "Diarra").await;
    let record = json!({ "convictions": [{
        "date": "2019-03-14", "court": "Tribunal de Grande Instance de la Commune III",
        "offence": "Escroquerie", "sentence": "Six mois d'emprisonnement avec sursis"
    }]});
    let resp = app
        .decide(
            &app.clerk(BAMAKO_REGISTRY),
            &id,
            &json!({ "decision": "approve", "record": record }),
        )
        .await;
    assert_eq!(resp.status(), 200);
    app.wait_for_status(&citizen, &id, "issued").await;
    let text = app.document_text(&citizen, &id).await;
    assert!(
        text.contains("Escroquerie")
            && text.contains("14 mars 2019")
            && text.contains("avec sursis"),
        "{text}"
    );
    assert!(!text.contains("NÉANT"));
}

#[tokio::test]
async fn a_rejection_is_final_and_issues_nothing() {
    let app = spawn_app().await;
    let citizen = app.citizen("citizen-rejected");
    let id = app.paid_application(&citizen, "Coulibaly").await;
    let clerk = app.clerk(BAMAKO_REGISTRY);
    let resp = app
        .decide(
            &clerk,
            &id,
            &json!({ "decision": "reject", "reason": "Identité non concordante" }),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let view = app.application(&citizen, &id).await;
    assert_eq!(view["status"], "rejected");
    assert_eq!(view["decision"]["reason"], "Identité non concordante");
    assert!(view.get("document").is_none());
    // How to contest it, and whom to write to (issue 27, item 9).
    let how = view["contest"]["how"].as_str().unwrap();
    assert!(
        how.contains("contester") && how.contains("Commune III") && how.contains("Bamako"),
        "{how}"
    );
    let how_en = view["contest"]["how_en"].as_str().unwrap();
    assert!(
        how_en.contains("contest") && how_en.contains("in Bamako"),
        "{how_en}"
    );
    problem(
        app.get(&citizen, &format!("/v1/applications/{id}/document"))
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn applicants_list_their_own_applications_newest_first() {
    let app = spawn_app().await;
    let me = app.citizen("citizen-list");
    let first = app
        .submitted(&me, &extract_request("Keïta", "Mariam", "Kayes"))
        .await;
    let mut abroad_request = extract_request("Keïta", "Mariam", "Paris");
    abroad_request["applicant"]["birth_country"] = json!("FR");
    let second = app.submitted(&me, &abroad_request).await;
    app.submitted(
        &app.citizen("someone-else"),
        &extract_request("Sangaré", "Oumar", "Ségou"),
    )
    .await;
    assert_eq!(first["office"], "TGI-KAY");
    let abroad = app.application(&me, second["id"].as_str().unwrap()).await;
    assert_eq!(
        abroad["office"], "MJ-CJC",
        "born abroad: the central criminal record service"
    );
    let list: Value = app.get(&me, "/v1/applications").await.json().await.unwrap();
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![
            second["id"].as_str().unwrap(),
            first["id"].as_str().unwrap()
        ]
    );
    assert!(list.get("cursor").is_none(), "all of them: no next page");

    // A page at a time (issue 27, item 9): the cursor leads to the next one, the last has none.
    let page: Value = app
        .get(&me, "/v1/applications?limit=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["id"], second["id"]);
    let cursor = page["cursor"].as_str().unwrap();
    let next: Value = app
        .get(&me, &format!("/v1/applications?limit=1&cursor={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(next["items"][0]["id"], first["id"]);
    assert!(next.get("cursor").is_none(), "{next}");
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("cursor=nonsense", "cursor"),
    ] {
        let p = problem(
            app.get(&me, &format!("/v1/applications?{query}")).await,
            422,
        )
        .await;
        assert_eq!(fields(&p), vec![field], "{query}: {p}");
    }
}

#[tokio::test]
async fn the_contract_is_published_as_openapi() {
    let app = spawn_app().await;
    let doc: Value = app.public_json("/v1/openapi.json").await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/v1/applications",
        "/v1/applications/{id}/decision",
        "/v1/payments/webhook/{provider}",
        "/v1/verify",
        "/v1/keys",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

#[tokio::test]
async fn a_request_for_information_is_answered_and_the_corrected_name_is_printed() {
    let app = spawn_app().await;
    let citizen = app.citizen("citizen-corrects");
    let clerk = app.clerk(BAMAKO_REGISTRY);
    let id = app.paid_application(&citizen, "Dembele").await;
    let asked = app
        .decide(
            &clerk,
            &id,
            &json!({ "decision": "request_info", "reason": "Le nom s'écrit-il Dembélé ?" }),
        )
        .await;
    assert_eq!(asked.status(), 200);
    let view = app.application(&citizen, &id).await;
    assert_eq!(view["status"], "needs_info");
    assert_eq!(view["decision"]["reason"], "Le nom s'écrit-il Dembélé ?");

    let resubmit = |token: &str, body: Value| {
        app.http
            .post(app.url(&format!("/v1/applications/{id}/resubmit")))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let mut corrected = extract_request("Dembélé", "Aminata", "Bamako")["applicant"].clone();
    corrected["birth_date"] = json!("2091-01-01");
    let p = problem(
        resubmit(&citizen, json!({ "applicant": corrected }))
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(fields(&p), ["applicant.birth_date"]);
    problem(
        resubmit(&app.citizen("someone-else"), json!({}))
            .await
            .unwrap(),
        404,
    )
    .await;

    corrected["birth_date"] = json!("1990-04-12");
    let resp = resubmit(
        &citizen,
        json!({ "applicant": corrected, "message": "Oui, avec les accents." }),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    let view: Value = resp.json().await.unwrap();
    assert_eq!(view["status"], "in_review");
    assert_eq!(view["applicant"]["surname"], "Dembélé");
    assert_eq!(
        view["history"].as_array().unwrap().last().unwrap()["reason"],
        "Oui, avec les accents."
    );
    problem(resubmit(&citizen, json!({})).await.unwrap(), 409).await;

    app.decide(
        &clerk,
        &id,
        &json!({ "decision": "approve", "record": { "convictions": [] } }),
    )
    .await;
    app.wait_for_status(&citizen, &id, "issued").await;
    assert!(app.document_text(&citizen, &id).await.contains("Dembélé"));
}
