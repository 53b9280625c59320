//! The citizens' portal (issue 15, items 1 and 2): a citizen signs in, asks for an extract with
//! the form the catalogue draws, is told in their language what is wrong, pays on the sandbox
//! provider's page, follows the application and downloads the sealed PDF.

use super::{Browser, Network, weigh};
use crate::helpers::*;
use serde_json::json;

/// An input by its field path (ids hold dots, which CSS would read as classes).
fn field(path: &str) -> String {
    format!("[id='f-{path}']")
}

async fn wait_ready(browser: &Browser, hash: &str) {
    browser.find(&format!("body[data-ready='{hash}']")).await;
}

#[tokio::test]
async fn a_citizen_asks_pays_on_the_sandbox_page_and_downloads_the_pdf() {
    let app = spawn_app().await;

    // The portal's first visit, through the counting network.
    let network = Network::to(&app.base).await;
    let browser = Browser::start().await;
    browser.goto(&network.url("/")).await;
    wait_ready(&browser, "/").await;
    weigh("portal", network.received());
    browser.accessibility("portal").await;
    browser.screenshots("portal").await;
    // Every kind the catalogue offers is there, with its fee, and nothing else.
    let offered = browser
        .eval("return [...document.querySelectorAll('[data-kind]')].map(a => a.dataset.kind)")
        .await;
    assert_eq!(
        offered,
        json!(["criminal_record_extract", "nationality_certificate", "visa"])
    );
    browser.close().await;

    // The same citizen's path, on the service itself.
    let browser = Browser::start().await;
    browser.goto(&app.dev_sign_in_link("/")).await;
    browser.fill("#sub", "citoyen-portail").await;
    browser.click("#sign-in-form button[type=submit]").await;
    wait_ready(&browser, "/").await;
    browser
        .click("a[data-kind='criminal_record_extract']")
        .await;
    // The service's start page: what it is, the proofs, the fee, the usual delay (issue 27,
    // item 2).
    wait_ready(&browser, "/services/criminal_record_extract").await;
    assert!(browser.text("#about").await.contains("bulletin n°3"));
    assert_eq!(browser.text("#start-fee").await, "750 FCFA");
    assert!(
        browser
            .text("#start-delay")
            .await
            .contains("3 jours ouvrés")
    );
    browser.accessibility("portal-start").await;
    browser.screenshots("portal-start").await;
    browser.click("#start").await;
    wait_ready(&browser, "/new/criminal_record_extract").await;
    browser.accessibility("portal-form").await;
    // Required as the server requires it: the place of birth chooses the court.
    let place = browser.text("label[for='f-applicant.birth_place']").await;
    assert!(place.ends_with("(obligatoire)"), "{place}");

    // Sent without a date of birth: the API's own message, beside the field.
    browser.fill(&field("applicant.surname"), "Traoré").await;
    browser
        .fill(&field("applicant.given_names"), "Aminata")
        .await;
    browser
        .fill(&field("applicant.birth_place"), "Bamako")
        .await;
    browser.fill(&field("details.purpose"), "emploi").await;
    browser.click("#submit").await;
    let errors = browser.text("#form-errors").await;
    assert!(errors.contains("Ce champ est obligatoire"), "{errors}");
    let beside = browser.text("[id='f-applicant.birth_date-error']").await;
    assert_eq!(beside, "Ce champ est obligatoire.");
    // The summary links to the field.
    browser
        .find("#form-errors a[href='#f-applicant.birth_date']")
        .await;
    assert_eq!(
        browser
            .find(&field("applicant.birth_date"))
            .await
            .attr("aria-invalid")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    browser.accessibility("portal-form-errors").await;
    browser.screenshots("portal-form-errors").await;
    // In English, the same problem in English.
    browser.click("#lang").await;
    wait_ready(&browser, "/new/criminal_record_extract").await;
    // What was typed is still there in the other language.
    let kept = browser
        .eval("return ['surname', 'given_names', 'birth_place'].map(n => document.getElementById('f-applicant.' + n).value)")
        .await;
    assert_eq!(kept, json!(["Traoré", "Aminata", "Bamako"]));
    browser.click("#submit").await;
    let errors = browser.text("#form-errors").await;
    assert!(errors.contains("This field is required"), "{errors}");
    browser.click("#lang").await;
    wait_ready(&browser, "/new/criminal_record_extract").await;

    browser.fill(&field("applicant.surname"), "Traoré").await;
    browser
        .fill(&field("applicant.given_names"), "Aminata")
        .await;
    browser.set("f-applicant.birth_date", "1990-04-12").await;
    browser
        .fill(&field("applicant.birth_place"), "Bamako")
        .await;
    // A phone as people write it, on the phone's keyboard for numbers (issue 27, item 4).
    let keyboards = browser
        .eval("return ['phone', 'email', 'surname'].map(n => { const i = document.getElementById('f-applicant.' + n); return [i.type, i.autocomplete]; })")
        .await;
    assert_eq!(
        keyboards,
        json!([["tel", "tel"], ["email", "email"], ["text", "family-name"]])
    );
    browser.fill(&field("applicant.phone"), "70 12 34 56").await;
    browser.click("#submit").await;
    let status = browser
        .find("#status[data-status='awaiting_payment']")
        .await;
    assert_eq!(status.text().await.unwrap(), "en attente de paiement");
    let hash = browser.eval("return location.hash").await;
    let id = hash
        .as_str()
        .unwrap()
        .trim_start_matches("#/applications/")
        .to_owned();
    let asked = app.application(&app.citizen("citoyen-portail"), &id).await;
    assert_eq!(asked["applicant"]["phone"], "+22370123456");
    browser.accessibility("portal-application").await;
    browser.screenshots("portal-awaiting-payment").await;

    // The sandbox provider's page, then back to the portal, paid.
    browser.click("#pay-sandbox").await;
    let amount = browser.text("#amount").await;
    assert!(amount.contains("750"), "{amount}");
    browser.accessibility("sandbox-checkout").await;
    browser.screenshots("sandbox-checkout").await;
    browser.click("#pay").await;
    browser.find("#status[data-status='in_review']").await;
    // Paid: what happens next, when, and how they will hear of it.
    let next = browser.text("#next").await;
    assert!(
        next.contains("Paiement reçu")
            && next.contains("3 jours ouvrés")
            && next.contains("SMS au +22370123456"),
        "{next}"
    );
    browser.screenshots("portal-paid").await;

    // The registry decides; the document is issued; the citizen downloads it.
    let citizen = app.citizen("citoyen-portail");
    let approved = app
        .decide(
            &app.clerk(BAMAKO_REGISTRY),
            &id,
            &json!({ "decision": "approve", "record": { "convictions": [] } }),
        )
        .await;
    assert_eq!(approved.status(), 200);
    let issued = app.wait_for_status(&citizen, &id, "issued").await;
    let number = issued["document"]["number"].as_str().unwrap().to_owned();
    browser.click("#refresh").await;
    browser.find("#status[data-status='issued']").await;
    browser.accessibility("portal-issued").await;
    browser.screenshots("portal-issued").await;
    browser.click("#download").await;
    let pdf = browser.downloaded(&format!("{number}.pdf")).await;
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(
        pdf,
        app.download(&citizen, &id).await,
        "the issued file itself"
    );
    browser.close().await;
}

/// Asked for more, the citizen sends a clearer proof in place of the accepted one, corrects a
/// name, and answers: the application goes back to the court with all three.
#[tokio::test]
async fn a_citizen_answers_a_request_for_information_with_a_new_proof_and_a_correction() {
    let app = spawn_app().await;
    let sub = "citoyen-precision";
    let citizen = app.citizen(sub);
    let id = app.certificate_in_review(&citizen, "Kayes").await;
    let asked = app
        .decide(
            &app.clerk("TGI-KAY"),
            &id,
            &json!({ "decision": "request_info",
                     "reason": "L'acte de naissance est illisible. Votre second prénom ?" }),
        )
        .await;
    assert_eq!(asked.status(), 200);
    let proof = |view: &serde_json::Value| {
        view["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "birth_certificate")
            .cloned()
            .unwrap()
    };
    let first = proof(&app.application(&citizen, &id).await);

    let browser = Browser::start().await;
    browser.goto(&app.dev_sign_in_link("/")).await;
    browser.fill("#sub", sub).await;
    browser.click("#sign-in-form button[type=submit]").await;
    wait_ready(&browser, "/").await;
    browser
        .goto(&app.url(&format!("/#/applications/{id}")))
        .await;
    wait_ready(&browser, &format!("/applications/{id}")).await;
    let reason = browser.text("#info-reason").await;
    assert!(reason.contains("illisible"), "{reason}");
    // The form starts from what was given.
    let given = browser
        .eval("return document.querySelector(\"[id='f-applicant.given_names']\").value")
        .await;
    assert_eq!(given, "Moussa");
    browser.accessibility("portal-needs-info").await;
    browser.screenshots("portal-needs-info").await;

    // Each file field says what it takes; a button pressed with no file, or a file of the wrong
    // type, is answered beside the field (issue 27, item 5).
    let rule = browser.text("#file-rule-birth_certificate").await;
    assert!(
        rule.contains("PDF") && rule.contains("Mo au plus"),
        "{rule}"
    );
    browser.click("#file-send-parent_nationality_proof").await;
    assert_eq!(
        browser.text("#file-error-parent_nationality_proof").await,
        "Choisissez d'abord un fichier."
    );
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "pas une pièce").unwrap();
    browser
        .choose_file("#file-parent_nationality_proof", &text)
        .await;
    browser.click("#file-send-parent_nationality_proof").await;
    let patience = Patience::new("the wrong file is never answered");
    loop {
        let said = browser.text("#file-error-parent_nationality_proof").await;
        if !said.is_empty() && !said.starts_with("Choisissez") {
            break;
        }
        patience.wait().await;
    }
    assert_eq!(browser.text("#notice").await, "", "nothing at the top");

    // A clearer scan in place of the accepted one, checked like the first.
    let scan = dir.path().join("acte-lisible.pdf");
    std::fs::write(&scan, scanned_act("acte de naissance, lisible")).unwrap();
    browser.choose_file("#file-birth_certificate", &scan).await;
    browser.click("#file-send-birth_certificate").await;
    let patience = Patience::new("the second proof is never checked");
    let second = loop {
        let second = proof(&app.application(&citizen, &id).await);
        if second["id"] != first["id"] && second["state"] != "pending" {
            break second;
        }
        patience.wait().await;
    };
    assert_ne!(second["id"], first["id"]);
    assert_eq!(second["state"], "accepted");
    // The page shows it without being refreshed (issue 27, item 5).
    browser
        .find(&format!(
            "#file-state-birth_certificate[data-state='accepted'][data-attachment='{}']",
            second["id"].as_str().unwrap()
        ))
        .await;

    browser.click("#corrections summary").await;
    browser
        .fill(&field("applicant.given_names"), "Moussa Adama")
        .await;
    browser
        .fill("#answer", "Voici un acte lisible, et mes deux prénoms.")
        .await;
    browser.click("#answer-form button[type=submit]").await;
    browser.find("#status[data-status='in_review']").await;

    let after = app.application(&citizen, &id).await;
    assert_eq!(after["applicant"]["given_names"], "Moussa Adama");
    assert_eq!(after["applicant"]["father_name"], "Adama Coulibaly", "kept");
    assert_eq!(proof(&after)["id"], second["id"]);
    let answered = after["history"].as_array().unwrap().iter().any(|e| {
        e["reason"]
            .as_str()
            .is_some_and(|r| r.contains("acte lisible"))
    });
    assert!(answered, "{}", after["history"]);
    browser.close().await;
}
