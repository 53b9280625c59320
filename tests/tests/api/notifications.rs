//! Telling applicants (issue 15, item 5): payment received, information requested, decision and
//! document issued each land in the outbox folder as an email and an SMS, in French and English,
//! naming the application and never what the document says; a second delivery sends nothing.

use crate::helpers::*;
use serde_json::{Value, json};
use std::path::Path;

/// The outbox's messages (file name → text), once there are at least `want`.
async fn outbox(dir: &Path, want: usize) -> Vec<(String, String)> {
    let patience = Patience::new(format!("fewer than {want} messages in {}", dir.display()));
    loop {
        let mut found: Vec<(String, String)> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".txt") && !n.starts_with('.'))
                    .map(|n| {
                        let text = std::fs::read_to_string(dir.join(&n)).unwrap();
                        (n, text)
                    })
                    .collect()
            })
            .unwrap_or_default();
        if found.len() >= want {
            found.sort();
            return found;
        }
        patience.wait().await;
    }
}

fn with_contact(surname: &str) -> Value {
    let mut request = extract_request(surname, "Aminata", "Bamako");
    request["applicant"]["email"] = json!("aminata@example.ml");
    request["applicant"]["phone"] = json!("+223 70 00 00 01");
    request
}

#[tokio::test]
async fn each_event_reaches_the_applicant_by_email_and_sms_in_both_languages() {
    let app = spawn_app().await;
    let folder = app.dir.path().join("outbox");
    let citizen = app.citizen("c-notified");
    let clerk = app.clerk(BAMAKO_REGISTRY);

    // Paid, approved with a conviction on record, issued.
    let created = app.submitted(&citizen, &with_contact("Diarra")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let reference = created["payment_reference"].as_str().unwrap().to_owned();
    assert_eq!(app.pay(&reference, "txn-notified", 750).await.status(), 200);
    let record = json!({ "convictions": [{ "date": "2019-03-04", "court": "TGI de Kayes",
        "offence": "Vol simple", "sentence": "6 mois avec sursis" }] });
    let approved = app
        .decide(
            &clerk,
            &id,
            &json!({ "decision": "approve", "record": record }),
        )
        .await;
    assert_eq!(approved.status(), 200);
    let issued = app.wait_for_status(&citizen, &id, "issued").await;
    let number = issued["document"]["number"].as_str().unwrap().to_owned();

    // Information requested on another, then refused with a reason.
    let other = app.submitted(&citizen, &with_contact("Sissoko")).await;
    let other_id = other["id"].as_str().unwrap().to_owned();
    let other_reference = other["payment_reference"].as_str().unwrap().to_owned();
    assert_eq!(
        app.pay(&other_reference, "txn-other", 750).await.status(),
        200
    );
    let asked = app
        .decide(
            &clerk,
            &other_id,
            &json!({ "decision": "request_info", "reason": "Votre père est-il né à Nioro ?" }),
        )
        .await;
    assert_eq!(asked.status(), 200);
    let answered = app
        .post_json(
            &citizen,
            &format!("/v1/applications/{other_id}/resubmit"),
            &json!({ "message": "Oui." }),
        )
        .await;
    assert_eq!(answered.status(), 200);
    let refused = app
        .decide(
            &clerk,
            &other_id,
            &json!({ "decision": "reject", "reason": "Homonyme condamné en 2015" }),
        )
        .await;
    assert_eq!(refused.status(), 200);

    // paid, approved, issued; paid, info_requested, rejected: six events, two messages each.
    let messages = outbox(&folder, 12).await;
    assert_eq!(
        messages.len(),
        12,
        "{:#?}",
        messages.iter().map(|m| &m.0).collect::<Vec<_>>()
    );
    let count = |channel: &str, reference: &str, sentence: &str| {
        messages
            .iter()
            .filter(|(name, text)| {
                name.ends_with(channel) && text.contains(reference) && text.contains(sentence)
            })
            .count()
    };
    // (what it is about, French and English of the email, French and English of the SMS)
    for (reference, email, sms) in [
        (
            &reference,
            [
                "Paiement reçu pour votre demande",
                "Payment received for your application",
            ],
            ["Paiement reçu, demande", "Payment received, application"],
        ),
        (
            &reference,
            ["est acceptée", "is approved"],
            ["acceptée", "approved"],
        ),
        (
            &reference,
            ["est prêt", "is ready"],
            ["prêt, sur Guichet", "ready, on Guichet"],
        ),
        (
            &other_reference,
            [
                "Paiement reçu pour votre demande",
                "Payment received for your application",
            ],
            ["Paiement reçu, demande", "Payment received, application"],
        ),
        (
            &other_reference,
            ["demande une précision", "asks for more information"],
            ["Précision demandée", "Information requested"],
        ),
        (
            &other_reference,
            ["n'a pas abouti", "was not approved"],
            ["non aboutie", "not approved"],
        ),
    ] {
        for sentence in email {
            assert_eq!(count(".email.txt", reference, sentence), 1, "{sentence}");
        }
        for sentence in sms {
            assert_eq!(count(".sms.txt", reference, sentence), 1, "{sentence}");
        }
    }
    for (name, text) in &messages {
        // Neither what the extract says, nor the registry's reasons, nor even what was asked for.
        for secret in [
            "Vol simple",
            "sursis",
            "Nioro",
            "Homonyme",
            "casier",
            "Néant",
            // The number's prefix says the kind.
            &number,
        ] {
            assert!(!text.contains(secret), "{name} says {secret:?}:\n{text}");
        }
        if name.ends_with(".sms.txt") {
            assert!(text.starts_with("To: +22370000001\n"), "{text}");
            let parts: usize = text
                .lines()
                .nth(1)
                .unwrap()
                .trim_start_matches("Parts: ")
                .parse()
                .unwrap();
            assert!(parts <= 2, "{name}: {parts} parts");
        } else {
            assert!(
                text.starts_with("To: aminata@example.ml\nSubject: Guichet : "),
                "{text}"
            );
            assert!(text.contains("Bonjour") && text.contains("Hello"), "{text}");
            assert!(text.contains(&format!(
                "/#/applications/{}",
                if text.contains(&other_reference) {
                    &other_id
                } else {
                    &id
                }
            )));
        }
    }

    // The issued event delivered again (the queue's at-least-once): nothing is sent twice.
    let (email_name, _) = messages
        .iter()
        .find(|(n, t)| n.ends_with(".email.txt") && t.contains("est prêt"))
        .unwrap();
    let event_id = email_name.trim_end_matches(".email.txt").to_owned();
    std::fs::remove_file(folder.join(email_name)).unwrap();
    let event = json!({ "id": event_id, "type": "issued", "application_id": id,
        "kind": "criminal_record_extract", "office": BAMAKO_REGISTRY, "at": "2026-12-05T10:00:00Z" });
    let mut sqs = aws_lambda_events::sqs::SqsEvent::default();
    let mut message = aws_lambda_events::sqs::SqsMessage::default();
    message.message_id = Some("again".into());
    message.body = Some(event.to_string());
    sqs.records = vec![message];
    let response = guichet_notify::handle(&app.server.functions.notify, sqs).await;
    assert!(response.batch_item_failures.is_empty());
    assert!(!folder.join(email_name).exists(), "sent a second time");
}
