//! What a verifier is told about a document over its life: valid, then revoked (by whom may), or
//! expired when its kind's validity has run out.

use crate::helpers::*;
use guichet_core::audit::verify_chain;
use guichet_core::domain::EntryKind;
use serde_json::json;
use std::sync::Arc;

#[tokio::test]
async fn a_revoked_document_is_revoked_however_it_is_checked() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-revoked");
    let view = app.issued_application(&citizen, "Sangaré").await;
    let id = view["id"].as_str().unwrap();
    let number = view["document"]["number"].as_str().unwrap();
    let pdf = app.download(&citizen, id).await;
    let seal = guichet_core::usecases::verify::find_seal(&pdf).unwrap();
    assert_eq!(
        app.verify_number(&view["document"]).await["status"],
        "valid"
    );

    let reason = json!({ "reason": "Délivré sur la foi d'un acte de naissance falsifié" });
    let signatory = app.token("signatory", Some(BAMAKO_REGISTRY), "sig-bko");
    let elsewhere = app.token("signatory", Some(OTHER_OFFICE), "sig-seg");
    // Who may not revoke it cannot, and learns nothing about it.
    assert_eq!(
        app.revoke(&app.clerk(BAMAKO_REGISTRY), number, &reason)
            .await
            .status(),
        403
    );
    assert_eq!(app.revoke(&citizen, number, &reason).await.status(), 403);
    problem(app.revoke(&elsewhere, number, &reason).await, 404).await;
    problem(app.revoke(&signatory, "CJ-2026-999999", &reason).await, 404).await;
    let no_reason = problem(
        app.revoke(&signatory, number, &json!({ "reason": "  " }))
            .await,
        422,
    )
    .await;
    assert_eq!(fields(&no_reason), ["reason"]);
    assert_eq!(
        app.verify_number(&view["document"]).await["status"],
        "valid"
    );

    // The signatory of the issuing office revokes it; a retry with the same key is the same answer.
    let send = || {
        app.http
            .post(app.url(&format!("/v1/documents/{number}/revoke")))
            .bearer_auth(&signatory)
            .header("Idempotency-Key", "revoke-1")
            .json(&reason)
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 200);
    let revoked: serde_json::Value = first.json().await.unwrap();
    assert_eq!(revoked["status"], "revoked");
    let revoked_at = revoked["revoked_at"].as_str().unwrap().to_owned();
    let again: serde_json::Value = send().await.unwrap().json().await.unwrap();
    assert_eq!(again, revoked, "a retried revocation answers the same");
    let twice = problem(app.revoke(&signatory, number, &reason).await, 409).await;
    assert!(twice["detail"].as_str().unwrap().contains("révoqué"));

    for (how, answer) in [
        ("number", app.verify_number(&view["document"]).await),
        ("seal", app.verify_seal(&seal).await),
        ("file", app.verify_pdf(&pdf).await),
    ] {
        assert_eq!(answer["status"], "revoked", "by {how}: {answer}");
        assert_eq!(answer["revoked_at"], revoked_at.as_str(), "by {how}");
        assert!(
            !answer.to_string().contains("falsifié"),
            "the reason is not public (by {how})"
        );
    }
    assert_eq!(app.verify_pdf(&pdf).await["identical_file"], true);

    // The holder sees it and why; the revocation is in the chained trail.
    let seen = app.application(&citizen, id).await;
    assert_eq!(seen["document"]["revoked_at"], revoked_at.as_str());
    assert_eq!(seen["document"]["status"], "revoked");
    assert_eq!(
        seen["document"]["revocation_reason"],
        reason["reason"].as_str().unwrap()
    );
    let history = app
        .server
        .backend
        .applications
        .history(id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(verify_chain(&history), Ok(()));
    let last = &history.last().unwrap().change;
    assert_eq!(last.event, EntryKind::Revocation);
    assert_eq!(
        history
            .iter()
            .filter(|e| e.change.event == EntryKind::Revocation)
            .count(),
        1,
        "one revocation, however many requests"
    );

    // An administrator answers for every office.
    let other = app.issued_application(&citizen, "Keita").await;
    let other_number = other["document"]["number"].as_str().unwrap();
    let admin = app.token("admin", Some(OTHER_OFFICE), "admin-national");
    assert_eq!(
        app.revoke(&admin, other_number, &reason).await.status(),
        200
    );
    assert_eq!(
        app.verify_number(&other["document"]).await["status"],
        "revoked"
    );
}

#[tokio::test]
async fn an_extract_expires_after_its_validity() {
    let clock = Arc::new(ShiftedClock::default());
    let app = spawn_app_on(clock.clone()).await;
    let citizen = app.citizen("c-expiry");
    let view = app.issued_application(&citizen, "Dembélé").await;
    let id = view["id"].as_str().unwrap();
    let seal =
        guichet_core::usecases::verify::find_seal(&app.download(&citizen, id).await).unwrap();
    let expires_at = time::OffsetDateTime::parse(
        view["document"]["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let validity = expires_at - time::OffsetDateTime::now_utc();
    assert!(
        (89..=90).contains(&validity.whole_days()),
        "an extract is accepted for three months: {validity}"
    );

    clock.advance(validity - time::Duration::hours(1));
    assert_eq!(
        app.verify_number(&view["document"]).await["status"],
        "valid"
    );
    clock.advance(time::Duration::hours(2));
    assert_eq!(
        app.verify_number(&view["document"]).await["status"],
        "expired"
    );
    let by_seal = app.verify_seal(&seal).await;
    assert_eq!(
        (by_seal["status"].as_str(), by_seal["signature"].as_str()),
        (Some("expired"), Some("valid"))
    );
}

/// Issue 26, item 4: a number alone tells nothing, not even whether it was issued; the number
/// and the code printed beside it give the status, the dates and the holder's initials; a wrong
/// code is answered as an unknown number and counts against the caller, as a refused token does.
#[tokio::test]
async fn walking_numbers_reveals_nothing_without_the_documents_code() {
    let app = spawn_app_with(|s| {
        s.http.rate_limits.failed_auth = guichet_http::limits::Rate {
            burst: 3,
            per_minute: 3.0,
        }
    })
    .await;
    let citizen = app.citizen("c-walked");
    let view = app.issued_application(&citizen, "Sangaré").await;
    let document = &view["document"];
    let number = document["number"].as_str().unwrap();
    let code = document["verification_code"].as_str().unwrap();
    let next = {
        let n: guichet_core::domain::DocumentNumber = number.parse().unwrap();
        guichet_core::domain::DocumentNumber::new(n.prefix(), n.year(), n.sequence() + 1)
            .unwrap()
            .to_string()
    };
    // Issued or not, a number alone is answered alike.
    let alone = |n: String| {
        let app = &app;
        async move { app.public_json(&format!("/v1/verify/{n}")).await }
    };
    assert_eq!(alone(number.to_owned()).await, alone(next.clone()).await);
    assert_eq!(
        alone(next.clone()).await,
        json!({"status": "code_required"})
    );

    let post = |body: serde_json::Value| {
        let app = &app;
        async move {
            app.http
                .post(app.url("/v1/verify"))
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    // The code as a person types it: lower case, no dash.
    let typed = code.to_lowercase().replace('-', "");
    let right: serde_json::Value = post(json!({"number": number, "code": typed}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(right["status"], "valid", "{right}");
    assert_eq!(right["holder"]["initials"], "A. S.", "{right}");
    assert_eq!(right["holder"]["birth_date"], "1990");
    assert!(!right.to_string().contains("Sangaré"), "{right}");
    // Malformed is told so; both a seal and a number is one too many.
    let p = problem(post(json!({"number": number, "code": "12"})).await, 422).await;
    assert_eq!(fields(&p), ["code"]);
    let p = problem(
        post(json!({"number": number, "code": code, "seal": "GCH1:X"})).await,
        422,
    )
    .await;
    assert_eq!(fields(&p), ["seal"]);
    // A wrong code reads as a number never issued.
    let wrong_code = if code.starts_with('0') {
        "1111-1111"
    } else {
        "0000-0000"
    };
    let wrong: serde_json::Value = post(json!({"number": number, "code": wrong_code}))
        .await
        .json()
        .await
        .unwrap();
    let never: serde_json::Value = post(json!({"number": next, "code": code}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(wrong, json!({"number": number, "status": "unknown"}));
    assert_eq!(never, json!({"number": next, "status": "unknown"}));
    // Three guesses a minute here: the fourth is refused, even with the right code.
    post(json!({"number": next, "code": wrong_code})).await;
    problem(post(json!({"number": number, "code": code})).await, 429).await;
    // The code is printed beside the number.
    let pdf = app.download(&citizen, view["id"].as_str().unwrap()).await;
    let path = app.dir.path().join("walked.pdf");
    std::fs::write(&path, &pdf).unwrap();
    assert!(pdf_text(&path).contains(code));
}

/// Issue 26, item 11: a seal key declared compromised. Its documents are listed and noted in
/// their trails; after the restart the service signs with a new key, and both verifiers (the
/// service's and the offline one, with the new key set) refuse what the old key sealed.
#[tokio::test]
async fn a_compromised_seal_key_seals_nothing_that_verifies() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-compromised");
    let view = app.issued_application(&citizen, "Konaté").await;
    let id = view["id"].as_str().unwrap().to_owned();
    let pdf = app.download(&citizen, &id).await;
    let seal = guichet_core::usecases::verify::find_seal(&pdf).unwrap();
    assert_eq!(app.verify_seal(&seal).await["status"], "valid");
    let keys: serde_json::Value = app.public_json("/v1/keys").await;
    let kid = keys["keys"][0]["kid"].as_str().unwrap().to_owned();

    let done = guichet_cli::keys::compromise(&app.settings, &kid, "A. Coulibaly, DSI")
        .await
        .unwrap();
    let new_kid = done.new_key.clone().expect("it was the signing key");
    let listed: Vec<String> = done
        .documents
        .iter()
        .map(|d| d.number.to_string())
        .collect();
    assert_eq!(listed, [view["document"]["number"].as_str().unwrap()]);
    let trail = app
        .server
        .backend
        .applications
        .history(id.parse().unwrap())
        .await
        .unwrap();
    let noted = trail.last().unwrap();
    assert_eq!(noted.change.event, EntryKind::KeyCompromised);
    assert!(
        noted
            .change
            .reason
            .as_deref()
            .unwrap()
            .contains("A. Coulibaly, DSI")
    );
    assert_eq!(verify_chain(&trail), Ok(()));

    // The service, started again, has the new set.
    let settings = app.settings.clone();
    let dir = app.dir;
    app.server.shutdown().await;
    let app = serve(&settings, Arc::new(guichet_core::ports::SystemClock), dir).await;
    let published: serde_json::Value = app.public_json("/v1/keys").await;
    let old = published["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .unwrap()
        .clone();
    assert_eq!(old["status"], "compromised");
    assert!(
        old.get("x").is_none(),
        "the key itself leaves the set: {old}"
    );
    let refused = app.verify_seal(&seal).await;
    assert_eq!(
        (refused["status"].as_str(), refused["signature"].as_str()),
        (Some("unknown"), Some("invalid")),
        "{refused}"
    );
    assert_ne!(app.verify_pdf(&pdf).await["status"], "valid");
    // Offline, with the new key set: refused too, and said why.
    let keys_file = app.dir.path().join("keys-after.json");
    std::fs::write(&keys_file, serde_json::to_vec(&published).unwrap()).unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    let offline = guichet_cli::verify::check(&keys_file, &seal, today).unwrap();
    let said = guichet_cli::verify::describe(&offline);
    assert!(
        said.starts_with("INVALIDE") && said.contains("compromised"),
        "{said}"
    );
    // What the new key seals verifies, both ways.
    let fresh = app.issued_application(&citizen, "Konaté").await;
    let fresh_pdf = app.download(&citizen, fresh["id"].as_str().unwrap()).await;
    let fresh_seal = guichet_core::usecases::verify::find_seal(&fresh_pdf).unwrap();
    assert_eq!(app.verify_seal(&fresh_seal).await["status"], "valid");
    assert!(matches!(
        guichet_cli::verify::check(&keys_file, &fresh_seal, today).unwrap(),
        guichet_cli::verify::Offline::Valid(c) if c.number.to_string() == fresh["document"]["number"].as_str().unwrap()
    ));
    assert_eq!(
        published["keys"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|k| k["status"] == "active" && k["kty"] == "OKP")
            .map(|k| k["kid"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [new_kid.as_str()]
    );
}

/// Issue 26, item 3: on AWS the verify function holds no secret; it checks seals against the key
/// set published in the table (`guichet serve` publishes its own at start, as rotation does).
#[tokio::test]
async fn the_verify_function_on_aws_checks_seals_against_the_published_key_set() {
    let app = spawn_aws_app().await;
    let citizen = app.citizen("c-published");
    let view = app.issued_application(&citizen, "Traoré").await;
    let pdf = app.download(&citizen, view["id"].as_str().unwrap()).await;
    let seal = guichet_core::usecases::verify::find_seal(&pdf).unwrap();
    let guichet_cli::settings::BackendChoice::Aws(resources) = &app.settings.backend else {
        unreachable!("an AWS app")
    };
    // The function as its main wires it: the table, no secret, an edge that takes no token.
    let aws = guichet_aws::Aws {
        env: guichet_core::settings::Env::empty(),
        resources: resources.as_ref().clone(),
        sdk: guichet_tests::moto::emulator().sdk_config().await,
    };
    let store = aws.store();
    let keys = guichet_seal::KeySource::stored(store.clone());
    keys.refresh().await;
    let verify = guichet_verify::Verify {
        edge: Arc::new(guichet_http::Edge::public(
            &guichet_http::HttpSettings::read(&guichet_core::settings::Env::empty()).unwrap(),
            Arc::new(guichet_core::ports::SystemClock),
        )),
        documents: store,
        keys: Arc::new(keys),
        catalogue: app.server.backend.catalogue.clone(),
    };
    let call = |method: &str, path: &str, body: Option<serde_json::Value>| {
        let mut req = http::Request::builder().method(method).uri(path);
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let body = body.map_or(lambda_http::Body::Empty, |b| {
            lambda_http::Body::Text(b.to_string())
        });
        guichet_verify::handle(&verify, req.body(body).unwrap())
    };
    let keys = call("GET", "/v1/keys", None).await;
    assert_eq!(keys.status(), 200);
    let served: serde_json::Value = serde_json::from_slice(keys.body().as_ref()).unwrap();
    assert_eq!(
        served,
        app.public_json("/v1/keys").await,
        "the set the service signs with"
    );
    let checked = call("POST", "/v1/verify", Some(json!({ "seal": seal }))).await;
    let checked: serde_json::Value = serde_json::from_slice(checked.body().as_ref()).unwrap();
    assert_eq!(
        (checked["status"].as_str(), checked["signature"].as_str()),
        (Some("valid"), Some("valid")),
        "{checked}"
    );
}
