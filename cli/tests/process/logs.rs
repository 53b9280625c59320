//! The logs of a full run hold ids, statuses and durations, never the person.

use crate::harness::*;
use reqwest::Client;
use serde_json::json;
use std::time::Duration;

/// Everything personal the run below sends, in the forms it could leak in.
const PERSONAL: [&str; 14] = [
    "Ouattara",
    "Fatoumata Binta",
    "1987-09-23",
    "12345678901234A",
    "Moussa Ouattara",
    "Awa Sangaré",
    "binta.ouattara@example.ml",
    "+22376543210",
    "Concours de la magistrature",
    "Abus de confiance",
    "Tribunal de Grande Instance de Kati",
    "Trois mois avec sursis",
    "Nom complet de ma mère",
    "Sangaré Diakité",
];

#[tokio::test]
async fn a_full_run_logs_no_name_nina_birth_date_or_record_content() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::new(dir.path(), &[]);
    server.start().await;
    let http = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let citizen = server.token("applicant", None, "citizen-logs");
    let clerk = server.clerk();
    let applicant = json!({
        "surname": "Ouattara", "given_names": "Fatoumata Binta", "birth_date": "1987-09-23",
        "birth_place": "Bamako", "nina": "12345678901234A", "father_name": "Moussa Ouattara",
        "mother_name": "Awa Sangaré", "email": "binta.ouattara@example.ml", "phone": "+22376543210"
    });
    let request = json!({
        "kind": "criminal_record_extract", "applicant": applicant,
        "details": { "purpose": "Concours de la magistrature" }
    });

    // Refusals carry the person too: a wrong date, an unknown field, broken JSON.
    let mut wrong = request.clone();
    wrong["applicant"]["birth_date"] = json!("23/09/1987 Kati");
    let mut extra = request.clone();
    extra["applicant"]["surnom"] = json!("Ouattara");
    for body in [wrong.to_string(), extra.to_string(), {
        let s = request.to_string();
        s[..s.len() - 20].to_owned()
    }] {
        let resp = http
            .post(server.url("/v1/applications"))
            .bearer_auth(&citizen)
            .header("idempotency-key", ulid::Ulid::new().to_string())
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(matches!(resp.status().as_u16(), 400 | 422));
    }

    let created = json_of(
        http.post(server.url("/v1/applications"))
            .bearer_auth(&citizen)
            .header("idempotency-key", "logs-1")
            .json(&request)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["office"], BAMAKO_REGISTRY, "{created}");
    let (notice, signature) =
        server.payment_notice(created["payment_reference"].as_str().unwrap(), "txn-logs-1");
    let paid = http
        .post(server.url("/v1/payments/webhook/sandbox"))
        .header("content-type", "application/json")
        .header("guichet-signature", signature)
        .body(notice)
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 200);

    // The registry asks a question, the citizen answers, the registry approves with a conviction.
    let app_url = server.url(&format!("/v1/applications/{id}"));
    let asked = http
        .post(format!("{app_url}/decision"))
        .bearer_auth(&clerk)
        .json(&json!({ "decision": "request_info", "reason": "Le nom complet de votre mère ?" }))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 200, "{}", asked.text().await.unwrap());
    let mut corrected = applicant.clone();
    corrected["mother_name"] = json!("Awa Sangaré Diakité");
    let answered = http
        .post(format!("{app_url}/resubmit"))
        .bearer_auth(&citizen)
        .json(&json!({ "applicant": corrected, "message": "Nom complet de ma mère : Awa Sangaré Diakité" }))
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), 200);
    assert_eq!(
        http.get(&app_url)
            .bearer_auth(&clerk)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let approved = http
        .post(format!("{app_url}/decision"))
        .bearer_auth(&clerk)
        .json(
            &json!({ "decision": "approve", "record": { "convictions": [{
                "date": "2015-06-02", "court": "Tribunal de Grande Instance de Kati",
                "offence": "Abus de confiance", "sentence": "Trois mois avec sursis"
            }]}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), 200);
    let deadline = std::time::Instant::now() + PATIENCE;
    let number = loop {
        let view = json_of(
            http.get(&app_url)
                .bearer_auth(&citizen)
                .send()
                .await
                .unwrap(),
        )
        .await;
        if view["status"] == "issued" {
            break view["document"]["number"].as_str().unwrap().to_owned();
        }
        assert!(std::time::Instant::now() < deadline, "never issued");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let pdf = http
        .get(format!("{app_url}/document"))
        .bearer_auth(&citizen)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    for resp in [
        http.get(server.url(&format!("/v1/verify/{number}")))
            .send()
            .await,
        http.post(server.url("/v1/verify"))
            .json(&json!({ "number": number, "code": "7KQ2-M9XD" }))
            .send()
            .await,
        http.post(server.url("/v1/verify"))
            .header("content-type", "application/pdf")
            .body(pdf.to_vec())
            .send()
            .await,
    ] {
        assert_eq!(resp.unwrap().status(), 200);
    }
    server.kill();

    let log = std::fs::read_to_string(&server.log).unwrap();
    // Not vacuous: the run is in the log, request by request and step by step.
    let lines: Vec<&str> = log.lines().collect();
    assert!(
        lines.iter().filter(|l| l.contains("\"request\"")).count() >= 12,
        "{log}"
    );
    for step in ["application opened", &id, &number] {
        assert!(log.contains(step), "the log should mention {step}:\n{log}");
    }
    let lower = log.to_lowercase();
    let leaks: Vec<&str> = PERSONAL
        .iter()
        .copied()
        .filter(|p| lower.contains(&p.to_lowercase()))
        .collect();
    assert!(
        leaks.is_empty(),
        "personal data in the logs: {leaks:?}\n{log}"
    );
    println!(
        "log check: {} lines, {} bytes, none of {} personal values",
        lines.len(),
        log.len(),
        PERSONAL.len()
    );
}
