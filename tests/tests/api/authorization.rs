//! The access table of docs/security.md, checked cell by cell: every route, called by every role
//! from the application's own office and from another one, by its applicant and by another one,
//! and with no token. The table is the specification; this test reads it from the page, so the
//! page and the code cannot drift apart.

use crate::helpers::*;
use serde_json::{Value, json};

const OWNER: &str = "owner-citizen";

/// Who calls, one per column of the table after the route.
#[derive(Debug, Clone)]
enum Caller {
    Applicant {
        owner: bool,
    },
    Staff {
        role: &'static str,
        own_office: bool,
    },
    Anonymous,
}

impl Caller {
    fn parse(header: &str) -> Caller {
        let header = header.trim();
        match header {
            "applicant, own" => Caller::Applicant { owner: true },
            "applicant, other" => Caller::Applicant { owner: false },
            "no token" => Caller::Anonymous,
            _ => {
                let (role, scope) = header
                    .split_once(", ")
                    .unwrap_or_else(|| panic!("unknown column {header:?}"));
                let role = guichet_core::domain::Role::parse(role)
                    .unwrap_or_else(|| panic!("unknown role in column {header:?}"))
                    .as_str();
                let own_office = match scope {
                    "own office" => true,
                    "other office" => false,
                    _ => panic!("unknown scope in column {header:?}"),
                };
                Caller::Staff { role, own_office }
            }
        }
    }

    fn token(&self, app: &TestApp) -> Option<String> {
        match self {
            Caller::Applicant { owner: true } => Some(app.citizen(OWNER)),
            Caller::Applicant { owner: false } => Some(app.citizen("other-citizen")),
            Caller::Staff { role, own_office } => {
                let office = if *own_office {
                    BAMAKO_REGISTRY
                } else {
                    OTHER_OFFICE
                };
                Some(app.token(role, Some(office), &format!("{role}-{office}")))
            }
            Caller::Anonymous => None,
        }
    }
}

/// The access table: (route, [(column, expected status)]).
fn access_table() -> Vec<(String, Vec<(String, u16)>)> {
    table_after("<!-- access-table -->")
}

/// The table that follows `marker` in docs/security.md.
fn table_after(marker: &str) -> Vec<(String, Vec<(String, u16)>)> {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/security.md"))
        .unwrap();
    let section = page
        .split(marker)
        .nth(1)
        .unwrap_or_else(|| panic!("docs/security.md marks its table with {marker}"));
    let rows: Vec<Vec<String>> = section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect();
    let header = &rows[0];
    rows[2..]
        .iter()
        .map(|row| {
            assert_eq!(row.len(), header.len(), "row {row:?}");
            let cells = header[1..]
                .iter()
                .zip(&row[1..])
                .map(|(column, cell)| {
                    let code = cell
                        .split_whitespace()
                        .next()
                        .and_then(|c| c.parse().ok())
                        .unwrap_or_else(|| panic!("cell {cell:?} of {} has no status", row[0]));
                    (column.clone(), code)
                })
                .collect();
            (row[0].trim_matches('`').to_owned(), cells)
        })
        .collect()
}

/// An application of `OWNER`, paid, in review at the Bamako registry.
async fn in_review(app: &TestApp) -> String {
    app.paid_application(&app.citizen(OWNER), "Traoré").await
}

/// An application of `OWNER`, just submitted, waiting for payment.
async fn unpaid(app: &TestApp) -> serde_json::Value {
    app.submitted(
        &app.citizen(OWNER),
        &extract_request("Traoré", "Awa", "Bamako"),
    )
    .await
}

async fn info_requested(app: &TestApp) -> String {
    let id = in_review(app).await;
    let resp = app
        .decide(
            &app.clerk(BAMAKO_REGISTRY),
            &id,
            &json!({ "decision": "request_info", "reason": "Votre lieu de naissance ?" }),
        )
        .await;
    assert_eq!(resp.status(), 200);
    id
}

/// An application of `OWNER`, its document issued: (application id, document number).
async fn issued(app: &TestApp) -> (String, String) {
    let view = app.issued_application(&app.citizen(OWNER), "Traoré").await;
    let field = |v: &serde_json::Value| v.as_str().unwrap().to_owned();
    (field(&view["id"]), field(&view["document"]["number"]))
}

/// A certificate of `OWNER`'s at the Bamako registry, paid, its birth certificate accepted:
/// (application id, attachment id).
async fn waiting_for_a_proof(app: &TestApp) -> (String, String) {
    let owner = app.citizen(OWNER);
    let created = app
        .submitted(&owner, &certificate_request("Traoré", "Bamako"))
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let reference = created["payment_reference"].as_str().unwrap();
    assert_eq!(
        app.pay(reference, &format!("txn-{id}"), 750).await.status(),
        200
    );
    let proof = app
        .attach(&owner, &id, "birth_certificate", scanned_act("acte"))
        .await;
    assert_eq!(app.checked(&owner, &id, &proof).await["state"], "accepted");
    (id, proof)
}

struct Fixtures {
    /// Read-only: shared by every cell that only reads it.
    reviewed: String,
    /// A certificate of `OWNER`'s, paid, one proof accepted, waiting for the other.
    certificate: String,
    proof: String,
    issued: String,
    number: String,
    pdf: Vec<u8>,
}

async fn call(app: &TestApp, route: &str, token: Option<&str>, f: &Fixtures) -> u16 {
    let (method, path) = route.split_once(' ').unwrap();
    let (path, body): (String, Option<Value>) = match path {
        "/v1/applications" if method == "POST" => (
            path.into(),
            Some(extract_request("Coulibaly", "Awa", "Bamako")),
        ),
        "/v1/applications" => (path.into(), None),
        "/v1/applications/{id}" => (format!("/v1/applications/{}", f.reviewed), None),
        "/v1/applications/{id}/attachments" => (
            format!("/v1/applications/{}/attachments", f.certificate),
            Some(
                json!({"name": "parent_nationality_proof", "content_type": "application/pdf",
                "size": 100, "sha256": "a".repeat(64)}),
            ),
        ),
        "/v1/applications/{id}/attachments/{attachment_id}" => (
            format!("/v1/applications/{}/attachments/{}", f.certificate, f.proof),
            None,
        ),
        "/v1/applications/{id}/document" => {
            (format!("/v1/applications/{}/document", f.issued), None)
        }
        // Each of these changes the application: a fresh one per cell.
        "/v1/applications/{id}/decision" => (
            format!("/v1/applications/{}/decision", in_review(app).await),
            Some(json!({ "decision": "request_info", "reason": "Votre lieu de naissance ?" })),
        ),
        "/v1/applications/{id}/resubmit" => (
            format!("/v1/applications/{}/resubmit", info_requested(app).await),
            Some(json!({ "message": "Né à Bamako, commune III." })),
        ),
        "/v1/applications/{id}/cancel" => (
            format!(
                "/v1/applications/{}/cancel",
                unpaid(app).await["id"].as_str().unwrap()
            ),
            Some(json!({})),
        ),
        "/v1/applications/{id}/contact" => (
            format!("/v1/applications/{}/contact", in_review(app).await),
            Some(json!({ "phone": "70 12 34 56" })),
        ),
        "/v1/applications/{id}/receipt" => {
            (format!("/v1/applications/{}/receipt", f.reviewed), None)
        }
        "/v1/applications/{id}/signature" => (
            format!(
                "/v1/applications/{}/signature",
                app.proposed_certificate(&app.citizen(OWNER), "Bamako", BAMAKO_REGISTRY)
                    .await
            ),
            Some(json!({ "decision": "sign" })),
        ),
        "/v1/documents/{number}/revoke" => (
            format!("/v1/documents/{}/revoke", issued(app).await.1),
            Some(json!({ "reason": "Délivré sur la foi d'un acte de naissance falsifié" })),
        ),
        "/v1/work" => (format!("/v1/work?office={BAMAKO_REGISTRY}"), None),
        "/v1/payments/webhook/{provider}" => (
            "/v1/payments/webhook/sandbox".into(),
            Some(
                json!({ "provider_txn": "t-1", "payment_reference": "GCH-0000-0000",
                         "amount": 750, "currency": "XOF", "status": "succeeded" }),
            ),
        ),
        // An application of the owner's waiting for payment, fresh for each cell.
        "/v1/applications/{id}/payment" => (
            format!(
                "/v1/applications/{}/payment",
                unpaid(app).await["id"].as_str().unwrap()
            ),
            Some(json!({ "provider": "sandbox" })),
        ),
        "/v1/payments/sandbox/checkout/{reference}" => (
            format!(
                "/v1/payments/sandbox/checkout/{}",
                unpaid(app).await["payment_reference"].as_str().unwrap()
            ),
            None,
        ),
        "/v1/verify/{number}" => (format!("/v1/verify/{}", f.number), None),
        "/v1/verify" => {
            let mut req = app.http.post(app.url(path)).body(f.pdf.clone());
            req = req.header("content-type", "application/pdf");
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            return req.send().await.unwrap().status().as_u16();
        }
        "/v1/keys" | "/v1/openapi.json" | "/v1/catalogue" | "/v1/payments/providers" | "/v1/me" => {
            (path.into(), None)
        }
        // No identity provider here: nothing to exchange a code with, whoever asks.
        "/v1/sign-in" => (
            path.into(),
            (method == "POST").then(|| {
                json!({ "code": "c0de", "code_verifier": "v".repeat(43),
                        "redirect_uri": "https://guichet.ml/" })
            }),
        ),
        other => panic!("the access table names a route the test does not know: {other}"),
    };
    let mut req = match method {
        "GET" => app.http.get(app.url(&path)),
        "POST" => app.http.post(app.url(&path)),
        other => panic!("method {other}"),
    };
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if method == "POST" {
        req = req.header("idempotency-key", fresh_key());
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn every_route_answers_every_caller_as_the_access_table_says() {
    let app = spawn_app().await;
    let table = access_table();
    let reviewed = in_review(&app).await;
    let (issued, number) = issued(&app).await;
    let pdf = app.download(&app.citizen(OWNER), &issued).await;
    let (certificate, proof) = waiting_for_a_proof(&app).await;
    let fixtures = Fixtures {
        reviewed,
        certificate,
        proof,
        issued,
        number,
        pdf,
    };

    let mut checked = 0;
    let mut wrong = Vec::new();
    for (route, cells) in &table {
        for (column, expected) in cells {
            let token = Caller::parse(column).token(&app);
            let got = call(&app, route, token.as_deref(), &fixtures).await;
            checked += 1;
            if got != *expected {
                wrong.push(format!("{route} as {column}: {got}, table says {expected}"));
            }
        }
    }
    let columns = table[0].1.len();
    assert!(
        table.len() >= 13 && columns == 13,
        "{} routes × {columns} callers",
        table.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    println!(
        "access table: {} routes × {columns} callers = {checked} cells checked",
        table.len()
    );
}

/// Who calls in the visa table: a visa asked at Paris, seen from its mission, another mission,
/// the screening unit and a court.
fn visa_caller(app: &TestApp, column: &str) -> Option<String> {
    let staff =
        |role: &str, office: &str| Some(app.token(role, Some(office), &format!("{role}-{office}")));
    match column {
        "applicant, own" => Some(app.citizen(OWNER)),
        "applicant, other" => Some(app.citizen("other-citizen")),
        "consular_officer, own mission" => staff("consular_officer", "AMB-PARIS"),
        "consular_officer, other mission" => staff("consular_officer", "AMB-DAKAR"),
        "screening_officer, SCREENING" => staff("screening_officer", "SCREENING"),
        "screening_supervisor, SCREENING" => staff("screening_supervisor", "SCREENING"),
        "clerk, a court" => staff("clerk", BAMAKO_REGISTRY),
        "border_officer, a post" => staff("border_officer", "PAF-BKO-AIRPORT"),
        "partner, BFA" => Some(app.partner("BFA")),
        "no token" => None,
        other => panic!("unknown column {other:?}"),
    }
}

fn paris_visa() -> Value {
    let t = crate::visas::Traveller::french("MARTIN", "CLAIRE", "1985-06-01");
    crate::visas::visa_request(&t, "tourism", "national", "single", "AMB-PARIS", 10)
}

#[tokio::test]
async fn every_visa_route_answers_every_caller_as_the_visa_table_says() {
    let app = spawn_app().await;
    let table = table_after("<!-- visa-access-table -->");
    let owner = app.citizen(OWNER);
    let reviewed = app.visa_in_review(&owner, &paris_visa()).await;
    let t = crate::visas::Traveller::french("MARTIN", "CLAIRE", "1985-06-01");
    let arriving_today = crate::visas::visa_request_arriving(
        &t,
        "tourism",
        "national",
        "single",
        "AMB-PARIS",
        0,
        10,
    );
    let issued = app.visa_in_review(&owner, &arriving_today).await;
    let consul = app.token("consular_officer", Some("AMB-PARIS"), "consul-fixture");
    assert_eq!(
        app.decide(&consul, &issued, &json!({"decision": "approve"}))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.screen(&app.screener(), &issued, &json!({"outcome": "clear"}))
            .await
            .status(),
        200
    );
    let visa_number = app.wait_for_status(&owner, &issued, "issued").await["document"]["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let aes =
        crate::visas::visa_request_arriving(&t, "tourism", "aes", "single", "AMB-PARIS", 0, 10);
    let aes = app.issued_visa(&owner, &aes).await;
    let aes_seal = app.seal_of(&owner, aes["id"].as_str().unwrap()).await;
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (route, cells) in &table {
        for (column, expected) in cells {
            let token = visa_caller(&app, column);
            let (method, path) = route.split_once(' ').unwrap();
            let (path, body) = match path {
                "/v1/applications/{id}" => (format!("/v1/applications/{reviewed}"), None),
                "/v1/applications/{id}/document" => {
                    (format!("/v1/applications/{issued}/document"), None)
                }
                "/v1/applications/{id}/screening" if method == "GET" => {
                    (format!("/v1/applications/{reviewed}/screening"), None)
                }
                "/v1/applications/{id}/screening" => (
                    format!(
                        "/v1/applications/{}/screening",
                        app.visa_in_review(&owner, &paris_visa()).await
                    ),
                    Some(json!({"outcome": "clear"})),
                ),
                "/v1/applications/{id}/decision" => (
                    format!(
                        "/v1/applications/{}/decision",
                        app.visa_in_review(&owner, &paris_visa()).await
                    ),
                    Some(json!({"decision": "request_info", "reason": "Billet retour ?"})),
                ),
                work if work.starts_with("/v1/work?") => (work.to_owned(), None),
                "/v1/aes/visas" => (path.to_owned(), None),
                "/v1/aes/verify" => (path.to_owned(), Some(json!({"seal": aes_seal}))),
                "/v1/border/crossings" => (
                    path.to_owned(),
                    Some(
                        json!({"passport_number": "19FR12345", "visa_number": visa_number, "direction": "exit"}),
                    ),
                ),
                other => panic!("the visa table names a route the test does not know: {other}"),
            };
            let mut req = match method {
                "GET" => app.http.get(app.url(&path)),
                _ => app.http.post(app.url(&path)),
            };
            if let Some(t) = &token {
                req = req.bearer_auth(t);
            }
            if method == "POST" {
                req = req.header("idempotency-key", fresh_key());
            }
            if let Some(b) = body {
                req = req.json(&b);
            }
            let resp = req.send().await.unwrap();
            let got = resp.status().as_u16();
            if route == "GET /v1/applications/{id}" && column == "applicant, own" {
                let view: Value = resp.json().await.unwrap();
                assert!(view.get("screening").is_none(), "{view}");
                assert!(
                    view["steps"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .all(|s| s["name"] != "screening")
                );
            }
            checked += 1;
            if got != *expected {
                wrong.push(format!("{route} as {column}: {got}, table says {expected}"));
            }
        }
    }
    assert!(table.len() >= 10 && table[0].1.len() == 10);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    println!("visa access table: {checked} cells checked");
}

/// What each viewer reads of the screening unit in a visa's view (docs/security.md, "What each
/// viewer reads of a visa"), cell by cell: outside the unit, its people are the security services.
#[tokio::test]
async fn every_viewer_reads_a_visa_as_the_view_table_says() {
    let app = spawn_app().await;
    let table = table_view("<!-- visa-view-table -->");
    let owner = app.citizen(OWNER);
    // The screening officer reads the record on the way (`visa_in_review`); then the consul.
    let id = app.visa_in_review(&owner, &paris_visa()).await;
    let consul = app.token("consular_officer", Some("AMB-PARIS"), "consul-view");
    app.application(&consul, &id).await;
    let approve = app
        .decide(&consul, &id, &json!({"decision": "approve"}))
        .await;
    assert_eq!(approve.status(), 200);
    let clear = app
        .screen(&app.screener(), &id, &json!({"outcome": "clear"}))
        .await;
    assert_eq!(clear.status(), 200);
    app.wait_for_status(&owner, &id, "issued").await;

    let mut views = std::collections::HashMap::new();
    for column in &table[0].1 {
        let token = visa_caller(&app, &column.0).unwrap();
        views.insert(column.0.clone(), app.application(&token, &id).await);
    }
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => "absent".into(),
        Some(other) => other.to_string(),
    };
    let step_field = |view: &Value, name: &str, field: &str| {
        view["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .and_then(|s| s.get(field).cloned())
    };
    let step = |view: &Value, name: &str| step_field(view, name, "by");
    // Which read is whose, from the unit's own view (every view lists the reads made before it
    // in the same order).
    let insider = &views["screening_officer, SCREENING"]["accesses"];
    let first_by = |role: &str| {
        insider
            .as_array()
            .unwrap()
            .iter()
            .position(|a| a["by"] == role)
            .unwrap()
    };
    let (unit_read, consul_read) = (first_by("screening_officer"), first_by("consular_officer"));
    let access = |view: &Value, i: usize, field: &str| view["accesses"][i].get(field).cloned();
    let mut wrong = Vec::new();
    for (row, cells) in &table {
        for (column, expected) in cells {
            let view = &views[column];
            let got = match row.as_str() {
                "`steps`: the screening step, `by`" => text(step(view, "screening").as_ref()),
                "`steps`: the consular review, `by`" => {
                    text(step(view, "consular_review").as_ref())
                }
                "`steps`: the screening step, `by_name`" => {
                    text(step_field(view, "screening", "by_name").as_ref())
                }
                "`steps`: the consular review, `by_name`" => {
                    text(step_field(view, "consular_review", "by_name").as_ref())
                }
                "`history`: the move to `approved`, `by`" => text(
                    view["history"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|h| h["to"] == "approved")
                        .map(|h| &h["by"]),
                ),
                "`accesses`: the unit's read of its screening record, `by`" => {
                    text(access(view, unit_read, "by").as_ref())
                }
                "`accesses`: the same read, `office`" => {
                    text(access(view, unit_read, "office").as_ref())
                }
                "`accesses`: the consul's read, `by`" => {
                    text(access(view, consul_read, "by").as_ref())
                }
                "`accesses`: the consul's read, `office`" => {
                    text(access(view, consul_read, "office").as_ref())
                }
                other => panic!("the view table names a row the test does not know: {other}"),
            };
            if &got != expected {
                wrong.push(format!("{row} as {column}: {got}, table says {expected}"));
            }
        }
    }
    // Whoever is outside the unit reads no name and no office of it anywhere.
    for column in ["applicant, own", "consular_officer, own mission"] {
        let seen = views[column].to_string();
        assert!(
            !seen.contains("screening_officer") && !seen.contains("SCREENING"),
            "{column}: {seen}"
        );
    }
    assert!(table.len() >= 7);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A table of words after `marker` in docs/security.md: (row, [(column, cell)]).
fn table_view(marker: &str) -> Vec<(String, Vec<(String, String)>)> {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/security.md"))
        .unwrap();
    let section = page.split(marker).nth(1).unwrap();
    let rows: Vec<Vec<String>> = section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect();
    let header = &rows[0];
    rows[2..]
        .iter()
        .map(|row| {
            let cells = header[1..]
                .iter()
                .cloned()
                .zip(row[1..].iter().cloned())
                .collect();
            (row[0].clone(), cells)
        })
        .collect()
}
