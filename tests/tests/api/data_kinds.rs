//! A new kind from data alone: the tank-truck gauging certificate, added with a catalogue entry
//! and a template file written into the service's files (no Rust), taken from submission to a
//! verified PDF about the company that owns the truck; and a declared kind whose template is
//! missing stops the start.

use crate::helpers::*;
use serde_json::{Value, json};
use std::path::Path;

const ENTRY: &str = include_str!("gauging/entry.json");
const TEMPLATE: &str = include_str!("gauging/template.json");
pub(crate) const METROLOGY: &str = "DNML";

/// The shipped catalogue with the gauging certificate's entry, office and routing added.
fn catalogue_with_gauging() -> String {
    let mut catalogue: Value = serde_json::from_str(guichet_core::catalogue::DEFAULT_JSON).unwrap();
    let entry: Value = serde_json::from_str(ENTRY).unwrap();
    catalogue["services"]
        .as_array_mut()
        .unwrap()
        .push(entry["service"].clone());
    catalogue["offices"]
        .as_array_mut()
        .unwrap()
        .push(entry["office"].clone());
    catalogue["routing"]["tank_gauging_certificate"] = entry["routing"].clone();
    serde_json::to_string_pretty(&catalogue).unwrap()
}

/// Writes the catalogue (and the template, if asked) as an operator would: `catalogue.json` and
/// `templates/tank_gauging_certificate.json` in `dir`.
pub(crate) fn write_files(dir: &Path, with_template: bool) {
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::write(dir.join("catalogue.json"), catalogue_with_gauging()).unwrap();
    if with_template {
        std::fs::write(
            dir.join("templates/tank_gauging_certificate.json"),
            TEMPLATE,
        )
        .unwrap();
    }
}

/// A gauging certificate of `citizen`'s, its card accepted and paid: in review at the metrology
/// office. Returns the application id.
pub(crate) async fn gauging_in_review(app: &TestApp, citizen: &str) -> String {
    let created = app.submitted(citizen, &gauging_request(28000)).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let card = app
        .attach(
            citizen,
            &id,
            "registration_card",
            scanned_act("carte grise"),
        )
        .await;
    assert_eq!(app.checked(citizen, &id, &card).await["state"], "accepted");
    let reference = created["payment_reference"].as_str().unwrap();
    let paid = app.pay(reference, &format!("om-{id}"), 25000).await;
    assert_eq!(paid.status(), 200);
    app.wait_for_status(citizen, &id, "in_review").await;
    id
}

fn gauging_request(capacity: u64) -> Value {
    json!({
        "kind": "tank_gauging_certificate",
        "applicant": {
            "surname": "Diarra", "given_names": "Boubacar", "birth_date": "1980-05-20",
            "birth_place": "Ségou", "phone": "+22376543210"
        },
        "details": {
            "plate_number": "AB 1234 MD",
            "capacity_litres": capacity,
            "compartments": [{"capacity_litres": 14000}, {"capacity_litres": 14000}],
            "owner": {"name": "Transports Sahel SA", "registration_number": "MA.BKO.2019.B.1234"}
        }
    })
}

#[tokio::test]
async fn a_kind_added_with_a_catalogue_entry_and_a_template_file_is_issued_and_verified() {
    let app = spawn_app_with(|s| write_files(&s.local.data_dir, true)).await;
    walk_a_gauging_certificate(&app).await;
}

#[tokio::test]
async fn a_kind_added_from_files_is_issued_and_verified_on_aws() {
    let files = tempfile::tempdir().unwrap();
    write_files(files.path(), true);
    let mut settings = aws_settings().await;
    settings.catalogue_file = Some(files.path().join("catalogue.json"));
    settings.templates_dir = Some(files.path().join("templates"));
    let app = serve(
        &settings,
        std::sync::Arc::new(guichet_core::ports::SystemClock),
        files,
    )
    .await;
    walk_a_gauging_certificate(&app).await;
}

async fn walk_a_gauging_certificate(app: &TestApp) {
    // The catalogue describes the new kind's form and step for a front end.
    let catalogue: Value = app.public_json("/v1/catalogue").await;
    let service = catalogue["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "tank_gauging_certificate")
        .expect("the declared kind is offered")
        .clone();
    assert_eq!(service["title_en"], "Tank-truck gauging certificate");
    assert_eq!(service["validity_days"], 365);
    assert_eq!(
        service["details_schema"]["properties"]["compartments"]["maxItems"],
        8
    );
    assert_eq!(service["steps"][0]["name"], "gauging");
    assert_eq!(service["attachments"][0]["name"], "registration_card");

    // Its form's rules, field by field.
    let citizen = app.citizen("transporter-diarra");
    let refused = app.submit(&citizen, &gauging_request(10)).await;
    let p = problem(refused, 422).await;
    assert_eq!(fields(&p), vec!["details.capacity_litres"], "{p}");
    assert!(
        p["errors"][0]["message"].as_str().unwrap().contains("1000"),
        "{p}"
    );

    let created = app.submitted(&citizen, &gauging_request(28000)).await;
    assert_eq!(
        created["office"], METROLOGY,
        "the office the catalogue names"
    );
    assert_eq!(created["fee"], json!({"amount": 25000, "currency": "XOF"}));
    let id = created["id"].as_str().unwrap();
    let card = app
        .attach(
            &citizen,
            id,
            "registration_card",
            scanned_act("carte grise"),
        )
        .await;
    assert_eq!(app.checked(&citizen, id, &card).await["state"], "accepted");
    let reference = created["payment_reference"].as_str().unwrap();
    assert_eq!(app.pay(reference, "om-jt-1", 25000).await.status(), 200);
    app.wait_for_status(&citizen, id, "in_review").await;

    // The metrology office's clerk gauges and approves, saying when.
    let clerk = app.clerk(METROLOGY);
    let without = app
        .decide(&clerk, id, &json!({"decision": "approve"}))
        .await;
    assert_eq!(
        fields(&problem(without, 422).await),
        vec!["content.gauged_on"]
    );
    let approved = app
        .decide(
            &clerk,
            id,
            &json!({"decision": "approve", "content": {"gauged_on": "2026-11-30"}}),
        )
        .await;
    assert_eq!(approved.status(), 200);
    let issued = app.wait_for_status(&citizen, id, "issued").await;
    let number = issued["document"]["number"].as_str().unwrap();
    assert!(number.starts_with("JT-"), "{number}");

    let pdf = app.download(&citizen, id).await;
    let path = app.dir.path().join("gauging.pdf");
    std::fs::write(&path, &pdf).unwrap();
    if let Ok(out) = std::env::var("GUICHET_PDF_OUT") {
        std::fs::write(out, &pdf).unwrap();
    }
    let text = pdf_text(&path);
    for expected in [
        "CERTIFICAT DE JAUGEAGE",
        "AB 1234 MD",
        "28000 litres",
        "Compartiment 2 : 14000 litres",
        "Transports Sahel SA",
        "MA.BKO.2019.B.1234",
        "Boubacar Diarra",
        "30 novembre 2026",
        "Valable jusqu",
        "MÉTROLOGIE LÉGALE",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }

    // Anyone verifies it: the holder is the company, not the person who asked.
    let verified = app.verify_pdf(&pdf).await;
    assert_eq!(verified["status"], "valid", "{verified}");
    assert_eq!(verified["identical_file"], true);
    assert_eq!(verified["kind"], "tank_gauging_certificate");
    assert_eq!(verified["organisation"]["name"], "Transports Sahel SA");
    assert_eq!(
        verified["organisation"]["registration_number"],
        "MA.BKO.2019.B.1234"
    );
    assert!(verified.get("holder").is_none(), "{verified}");
    let codes = qr_codes(&path);
    let by_seal = app.verify_seal(&codes[0]).await;
    assert_eq!(by_seal["status"], "valid");
    assert_eq!(by_seal["signature"], "valid");

    // And offline, against the published keys.
    let jwks: Value = app.public_json("/v1/keys").await;
    let keys_file = app.dir.path().join("keys.json");
    std::fs::write(&keys_file, serde_json::to_vec(&jwks).unwrap()).unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    let offline = guichet_cli::verify::check(&keys_file, path.to_str().unwrap(), today).unwrap();
    let said = guichet_cli::verify::describe(&offline);
    assert!(
        said.starts_with("VALIDE") && said.contains("Transports Sahel SA"),
        "{said}"
    );
}

/// Issue 26, item 1, for a kind declared by data: a tank for water (25,000 XOF) answered as one
/// for fuel (40,000) is refused naming the field; a corrected plate passes.
#[tokio::test]
async fn a_data_kinds_paid_fee_cannot_change_with_an_answer() {
    let app = spawn_app_with(|s| write_files(&s.local.data_dir, true)).await;
    let citizen = app.citizen("transporter-water");
    let mut request = gauging_request(28000);
    request["details"]["cargo"] = json!("water");
    let created = app.submitted(&citizen, &request).await;
    assert_eq!(created["fee"]["amount"], 25000);
    let mut fuel = request.clone();
    fuel["details"]["cargo"] = json!("fuel");
    let priced = app.submitted(&app.citizen("transporter-fuel"), &fuel).await;
    assert_eq!(priced["fee"]["amount"], 40000, "the catalogue's fee line");
    let id = created["id"].as_str().unwrap();
    let card = app
        .attach(&citizen, id, "registration_card", scanned_act("carte"))
        .await;
    assert_eq!(app.checked(&citizen, id, &card).await["state"], "accepted");
    let reference = created["payment_reference"].as_str().unwrap();
    assert_eq!(app.pay(reference, "om-jt-water", 25000).await.status(), 200);
    app.wait_for_status(&citizen, id, "in_review").await;
    let clerk = app.clerk(METROLOGY);
    let ask = json!({"decision": "request_info", "reason": "Plaque illisible"});
    assert_eq!(app.decide(&clerk, id, &ask).await.status(), 200);

    let answer = |details: &Value| {
        let body = json!({ "details": details });
        let (app, citizen) = (&app, &citizen);
        async move { app.resubmit(citizen, id, &body).await }
    };
    let p = problem(answer(&fuel["details"]).await, 409).await;
    assert_eq!(fields(&p), ["details.cargo"], "{p}");
    let mut plate = request["details"].clone();
    plate["plate_number"] = json!("AB 1235 MD");
    let resp = answer(&plate).await;
    assert_eq!(resp.status(), 200);
    let view: Value = resp.json().await.unwrap();
    assert_eq!(view["details"]["plate_number"], "AB 1235 MD");
    assert_eq!(view["details"]["cargo"], "water");
}

/// A declared kind whose template file is not there cannot issue anything: the start is refused,
/// naming the entry and the template.
#[tokio::test]
async fn a_declared_kind_without_its_template_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), false);
    let settings = guichet_cli::settings::Settings::development(dir.path());
    let backend = guichet_cli::backend::open_local(&settings).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = guichet_cli::serve::start(
        backend,
        &settings,
        std::sync::Arc::new(guichet_core::ports::SystemClock),
        listener,
    )
    .await
    .err()
    .expect("the start is refused");
    let message = format!("{err:#}");
    assert!(
        message.contains("tank_gauging_certificate") && message.contains("template"),
        "{message}"
    );
}
