//! The officers' console (issue 15, item 3): a nationality certificate proposed by a clerk is
//! signed by a second officer, the president of the court, in the console; the same person who
//! proposed it is told they cannot also sign it. The step's form comes from the catalogue.

use super::{Browser, Network, weigh};
use crate::helpers::*;

const KAYES: &str = "TGI-KAY";

async fn sign_in(browser: &Browser, app: &TestApp, role: &str, sub: &str, name: &str) {
    sign_in_at(browser, app, role, KAYES, sub, name).await;
}

/// Signs in through the development sign-in, from the link `guichet serve` prints (with its key).
async fn sign_in_at(
    browser: &Browser,
    app: &TestApp,
    role: &str,
    office: &str,
    sub: &str,
    name: &str,
) {
    let base = &app.base;
    // Each navigation within the console is answered by a page drawn when its data arrives: the
    // form filled below must be the one the sign-in link draws, not the one before it, which
    // that one replaces (on a busy machine, after the fields were filled).
    browser.goto(&format!("{base}/console#/sign-in")).await;
    browser.find("body[data-ready='/sign-in']").await;
    browser
        .eval("sessionStorage.clear(); delete document.body.dataset.ready; return true")
        .await;
    browser.goto(&app.dev_sign_in_link("/console")).await;
    browser.find("body[data-ready='/sign-in']").await;
    browser
        .eval(&format!(
            "document.getElementById('role').value = '{role}'; return true"
        ))
        .await;
    browser.fill("#office", office).await;
    browser.fill("#sub", sub).await;
    browser.fill("#name", name).await;
    browser.click("#sign-in-form button[type=submit]").await;
    browser.find("body[data-ready='/']").await;
}

async fn sign(browser: &Browser) {
    browser
        .eval("document.getElementById('f-body.decision').value = 'sign'; return true")
        .await;
    browser.click("#step-signature button[type=submit]").await;
}

#[tokio::test]
async fn a_second_officer_signs_a_nationality_certificate_in_the_console() {
    let app = spawn_app().await;
    let citizen = app.citizen("c-console");
    let id = app.proposed_certificate(&citizen, "Kayes", KAYES).await;

    // The console's first visit, through the counting network.
    let network = Network::to(&app.base).await;
    let browser = Browser::start().await;
    browser.goto(&network.url("/console")).await;
    browser.find("body[data-ready]").await;
    weigh("console", network.received());
    browser.accessibility("console-sign-in").await;
    browser.screenshots("console-sign-in").await;
    browser.close().await;

    let browser = Browser::start().await;
    // The clerk who proposed it, signing in as a signatory: the second-person rule holds.
    sign_in(
        &browser,
        &app,
        "signatory",
        &format!("clerk-{KAYES}"),
        "Awa Diallo",
    )
    .await;
    browser.click(&format!("a[data-id='{id}']")).await;
    browser.find("#step-signature").await;
    sign(&browser).await;
    let refused = browser.text("#step-signature #form-errors").await;
    assert!(refused.contains("ne peut pas la signer"), "{refused}");
    assert_eq!(
        app.application(&citizen, &id).await["status"],
        "awaiting_signature"
    );

    // The president: the queue, oldest first, the application with its files and history.
    sign_in(
        &browser,
        &app,
        "signatory",
        "president-kayes",
        "Moussa Keïta",
    )
    .await;
    browser.find("#queue").await;
    browser.accessibility("console-queue").await;
    browser.screenshots("console-queue").await;
    browser.click(&format!("a[data-id='{id}']")).await;
    browser.find("#step-signature").await;
    let files = browser.text("#files").await;
    // Each file by the words the catalogue gives it, its state in the page's language.
    assert!(
        files.contains("Ouvrir Acte de naissance (ou jugement supplétif) acceptée"),
        "{files}"
    );
    browser.accessibility("console-application").await;
    browser.screenshots("console-application").await;
    sign(&browser).await;
    browser
        .find("#status[data-status='approved'], #status[data-status='issued']")
        .await;
    let issued = app.wait_for_status(&citizen, &id, "issued").await;
    // Signed by the president: the steps say who acted, and the read is on record.
    let steps = issued["steps"].to_string();
    assert!(steps.contains("signatory"), "{steps}");
    assert!(
        issued["accesses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["by"] == "signatory"),
        "{issued}"
    );
    browser.close().await;
}

/// On AWS the console signs officers in through the identity provider: to its page and back
/// with a code (PKCE), the role and office the API reads from the provider's groups.
#[tokio::test]
async fn an_officer_signs_in_through_the_identity_provider() {
    let provider = crate::signing_in::StandInProvider::start().await;
    let settings = provider.settings();
    let app = spawn_app_with(|s| s.http.tokens.oidc = Some(settings)).await;
    let citizen = app.citizen("c-provider");
    let id = app.proposed_certificate(&citizen, "Kayes", KAYES).await;
    provider.sign_in_next_as(serde_json::json!({
        "cognito:groups": ["signatory", format!("office:{KAYES}")], "name": "Moussa Keïta"
    }));

    let browser = Browser::start().await;
    browser.goto(&app.url("/console#/sign-in")).await;
    browser.click("#provider-sign-in").await;
    browser.find(&format!("a[data-id='{id}']")).await;
    let url = browser.eval("return location.href").await;
    assert_eq!(url, app.url("/console#/"), "the code has left the address");
    let account = browser.text("#account").await;
    assert!(
        account.contains(&format!("signatory · {KAYES}")),
        "{account}"
    );
    browser.close().await;
}

/// Screening in the console: the officer reads what matching found before deciding, refers a
/// likely match to the supervisor, who reads the referral's reason and settles it.
#[tokio::test]
async fn a_screening_officer_reads_the_candidates_and_refers_a_traveller_to_the_supervisor() {
    use crate::visas::{PARIS, Traveller, WATCHLIST, visa_request};
    let app = spawn_app().await;
    app.load_watchlist(WATCHLIST).await;
    let citizen = app.citizen("traveller-console");
    let traveller = Traveller::french("DIALLO", "MOHAMED", "1980-05-05");
    let id = app
        .visa_in_review(
            &citizen,
            &visa_request(&traveller, "tourism", "national", "single", PARIS, 10),
        )
        .await;

    let browser = Browser::start().await;
    let screener = (
        "screening_officer",
        "SCREENING",
        "screener-1",
        "Fatou Sangaré",
    );
    sign_in_at(
        &browser, &app, screener.0, screener.1, screener.2, screener.3,
    )
    .await;
    browser.click(&format!("a[data-id='{id}']")).await;
    let candidate = browser
        .text("#step-screening #candidates li[data-entry='W-001']")
        .await;
    assert!(candidate.contains("Muhammad Diallo"), "{candidate}");
    assert!(candidate.contains("Même année de naissance"), "{candidate}");
    browser.accessibility("console-screening").await;
    browser
        .eval("document.getElementById('step-screening').scrollIntoView(); return true")
        .await;
    browser.screenshots("console-screening").await;
    browser
        .eval("document.getElementById('f-body.outcome').value = 'refer'; return true")
        .await;
    browser
        .fill("[id='f-body.reason']", "Même nom, même année : à vérifier.")
        .await;
    browser.click("#step-screening button[type=submit]").await;
    browser.find("#no-action").await;

    let supervisor = (
        "screening_supervisor",
        "SCREENING",
        "supervisor-1",
        "Issa Maïga",
    );
    sign_in_at(
        &browser,
        &app,
        supervisor.0,
        supervisor.1,
        supervisor.2,
        supervisor.3,
    )
    .await;
    browser
        .goto(&app.url(&format!("/console#/applications/{id}")))
        .await;
    let earlier = browser.text("#step-screening #screening-decisions").await;
    assert!(earlier.contains("à vérifier"), "{earlier}");
    browser
        .eval("document.getElementById('f-body.outcome').value = 'clear'; return true")
        .await;
    browser
        .fill(
            "[id='f-body.reason']",
            "Autre personne : date de naissance différente.",
        )
        .await;
    browser.click("#step-screening button[type=submit]").await;
    browser.find("#no-action").await;
    let record = app.screening(&id).await;
    let outcomes: Vec<&str> = record["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["refer", "clear"]);
    browser.close().await;
}
