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

/// One decision in the console: the application opened, `choice` chosen in the step's `field`,
/// the other fields filled, sent; the page says it was recorded.
async fn decide_in_console(
    browser: &Browser,
    app: &TestApp,
    id: &str,
    step: &str,
    (field, choice): (&str, &str),
    texts: &[(&str, &str)],
) {
    browser
        .goto(&app.url(&format!("/console#/applications/{id}")))
        .await;
    browser
        .find(&format!(
            "body[data-ready='/applications/{id}'] #step-{step}"
        ))
        .await;
    browser
        .choose(&format!("#step-{step} [id='f-body.{field}']"), choice)
        .await;
    for (name, text) in texts {
        if name.ends_with("_on") {
            browser.set(&format!("f-body.{name}"), text).await;
        } else {
            browser.fill(&format!("[id='f-body.{name}']"), text).await;
        }
    }
    browser
        .click(&format!("#step-{step} button[type=submit]"))
        .await;
    let said = browser
        .find(&format!("#notice .result.valid, #step-{step} #form-errors"))
        .await;
    let text = said.text().await.unwrap();
    assert_eq!(text, "Enregistré.", "{step} {choice} on {id}: {text}");
}

/// The state of a step as its staff read it.
fn step_state(view: &serde_json::Value, step: &str) -> String {
    view["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == step)
        .map(|s| s["state"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// Issue 27, item 1: every decision the catalogue allows each step of each kind is taken from
/// the console (a refusal of an extract failed: the console always sent the empty record). The
/// record form shows with an approval alone; a refusal marks its reason required; the queue
/// finds an application by its reference; staff read who acted on each step by name.
#[tokio::test]
async fn every_decision_of_every_kind_is_taken_from_the_console() {
    use crate::data_kinds::{METROLOGY, gauging_in_review, write_files};
    use crate::visas::{PARIS, Traveller, visa_request};
    let app = spawn_app_with(|s| write_files(&s.local.data_dir, true)).await;
    let citizen = app.citizen("c-every-decision");
    let mut extracts = Vec::new();
    let mut examined = Vec::new();
    let mut gauged = Vec::new();
    for surname in ["Keïta", "Konaté", "Cissé"] {
        extracts.push(app.paid_application(&citizen, surname).await);
        examined.push(app.certificate_in_review(&citizen, "Kayes").await);
        gauged.push(gauging_in_review(&app, &citizen).await);
    }
    let mut proposed = Vec::new();
    for _ in 0..2 {
        proposed.push(app.proposed_certificate(&citizen, "Kayes", KAYES).await);
    }
    let mut visas = Vec::new();
    for (given, born) in [
        ("ANNE", "1980-03-01"),
        ("BRUNO", "1981-04-02"),
        ("CLAIRE", "1982-05-03"),
        ("DENIS", "1983-06-04"),
        ("EMMA", "1984-07-05"),
    ] {
        let t = Traveller::french("LEFEBVRE", given, born);
        visas.push(
            app.visa_in_review(
                &citizen,
                &visa_request(&t, "tourism", "national", "single", PARIS, 10),
            )
            .await,
        );
    }
    let status = |id: String| {
        let (app, citizen) = (&app, &citizen);
        async move {
            app.application(citizen, &id).await["status"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let reason = |text: &'static str| [("reason", text)];
    let browser = Browser::start().await;

    // The registry: the extract, found by its reference; the record only with an approval.
    sign_in_at(
        &browser,
        &app,
        "clerk",
        BAMAKO_REGISTRY,
        "greffe-1",
        "Awa Traoré",
    )
    .await;
    let reference = app.application(&citizen, &extracts[0]).await["payment_reference"]
        .as_str()
        .unwrap()
        .to_owned();
    browser.fill("#q", &reference.to_lowercase()).await;
    browser.click("#search-form button[type=submit]").await;
    let row = browser
        .text(&format!("#queue tr:has(a[data-id='{}'])", extracts[0]))
        .await;
    assert!(row.contains(&reference), "{row}");
    browser.screenshots("console-search").await;
    browser
        .goto(&app.url(&format!("/console#/applications/{}", extracts[0])))
        .await;
    let record_hidden =
        "return document.querySelector(\"#step-review [data-field='body.record']\").hidden";
    browser.find("#step-review").await;
    assert_eq!(
        browser.eval(record_hidden).await,
        true,
        "nothing chosen yet"
    );
    browser.choose("[id='f-body.decision']", "reject").await;
    assert_eq!(browser.eval(record_hidden).await, true);
    let mark = browser.text("[data-field='body.reason'] [data-mark]").await;
    assert_eq!(mark, "(obligatoire)");
    browser.choose("[id='f-body.decision']", "approve").await;
    assert_eq!(browser.eval(record_hidden).await, false);
    browser.screenshots("console-extract-approval").await;
    decide_in_console(
        &browser,
        &app,
        &extracts[0],
        "review",
        ("decision", "approve"),
        &[],
    )
    .await;
    decide_in_console(
        &browser,
        &app,
        &extracts[1],
        "review",
        ("decision", "reject"),
        &reason("Identité non établie."),
    )
    .await;
    decide_in_console(
        &browser,
        &app,
        &extracts[2],
        "review",
        ("decision", "request_info"),
        &reason("Précisez le lieu de naissance."),
    )
    .await;
    assert!(["approved", "issued"].contains(&status(extracts[0].clone()).await.as_str()));
    assert_eq!(status(extracts[1].clone()).await, "rejected");
    assert_eq!(status(extracts[2].clone()).await, "needs_info");

    // The court of Kayes: the certificate's examination, then its signature by another person.
    sign_in_at(
        &browser,
        &app,
        "clerk",
        KAYES,
        "greffe-kayes",
        "Oumar Sidibé",
    )
    .await;
    decide_in_console(
        &browser,
        &app,
        &examined[0],
        "examination",
        ("decision", "approve"),
        &[],
    )
    .await;
    decide_in_console(
        &browser,
        &app,
        &examined[1],
        "examination",
        ("decision", "reject"),
        &reason("Preuve illisible."),
    )
    .await;
    decide_in_console(
        &browser,
        &app,
        &examined[2],
        "examination",
        ("decision", "request_info"),
        &reason("Joignez l'acte du parent."),
    )
    .await;
    assert_eq!(status(examined[0].clone()).await, "awaiting_signature");
    assert_eq!(status(examined[1].clone()).await, "rejected");
    assert_eq!(status(examined[2].clone()).await, "needs_info");
    sign_in_at(
        &browser,
        &app,
        "signatory",
        KAYES,
        "president-kayes",
        "Moussa Keïta",
    )
    .await;
    decide_in_console(
        &browser,
        &app,
        &proposed[0],
        "signature",
        ("decision", "sign"),
        &[],
    )
    .await;
    decide_in_console(
        &browser,
        &app,
        &proposed[1],
        "signature",
        ("decision", "refuse"),
        &reason("Base légale à revoir."),
    )
    .await;
    assert!(["approved", "issued"].contains(&status(proposed[0].clone()).await.as_str()));
    assert_eq!(status(proposed[1].clone()).await, "in_review");
    // Who signed, by name, on the step.
    browser
        .goto(&app.url(&format!("/console#/applications/{}", proposed[0])))
        .await;
    let signed = browser.text("#steps li[data-step='signature']").await;
    assert!(signed.contains("Moussa Keïta"), "{signed}");

    // The metrology office: the gauging date goes with an approval.
    sign_in_at(
        &browser,
        &app,
        "clerk",
        METROLOGY,
        "jaugeur-1",
        "Sekou Koné",
    )
    .await;
    decide_in_console(
        &browser,
        &app,
        &gauged[0],
        "gauging",
        ("decision", "approve"),
        &[("content.gauged_on", "2026-11-30")],
    )
    .await;
    decide_in_console(
        &browser,
        &app,
        &gauged[1],
        "gauging",
        ("decision", "reject"),
        &reason("Camion absent au jaugeage."),
    )
    .await;
    decide_in_console(
        &browser,
        &app,
        &gauged[2],
        "gauging",
        ("decision", "request_info"),
        &reason("Carte grise illisible."),
    )
    .await;
    assert!(["approved", "issued"].contains(&status(gauged[0].clone()).await.as_str()));
    assert_eq!(status(gauged[1].clone()).await, "rejected");
    assert_eq!(status(gauged[2].clone()).await, "needs_info");

    // The mission's consul, and the screening unit beside it.
    sign_in_at(
        &browser,
        &app,
        "consular_officer",
        PARIS,
        "consul-1",
        "Claire Dembélé",
    )
    .await;
    decide_in_console(
        &browser,
        &app,
        &visas[0],
        "consular_review",
        ("decision", "approve"),
        &[],
    )
    .await;
    decide_in_console(
        &browser,
        &app,
        &visas[1],
        "consular_review",
        ("decision", "reject"),
        &reason("Séjour non justifié."),
    )
    .await;
    decide_in_console(
        &browser,
        &app,
        &visas[2],
        "consular_review",
        ("decision", "request_info"),
        &reason("Joignez la réservation d'hôtel."),
    )
    .await;
    let consul = app.token("consular_officer", Some(PARIS), "consul-2");
    assert_eq!(
        step_state(
            &app.application(&consul, &visas[0]).await,
            "consular_review"
        ),
        "done"
    );
    assert_eq!(status(visas[1].clone()).await, "rejected");
    assert_eq!(status(visas[2].clone()).await, "needs_info");
    sign_in_at(
        &browser,
        &app,
        "screening_officer",
        "SCREENING",
        "screener-9",
        "Fatou Sangaré",
    )
    .await;
    decide_in_console(
        &browser,
        &app,
        &visas[0],
        "screening",
        ("outcome", "clear"),
        &[],
    )
    .await;
    decide_in_console(
        &browser,
        &app,
        &visas[3],
        "screening",
        ("outcome", "deny"),
        &[],
    )
    .await;
    decide_in_console(
        &browser,
        &app,
        &visas[4],
        "screening",
        ("outcome", "refer"),
        &reason("Homonyme possible."),
    )
    .await;
    assert!(["approved", "issued"].contains(&status(visas[0].clone()).await.as_str()));
    assert_eq!(status(visas[3].clone()).await, "rejected");
    assert_eq!(
        step_state(
            &app.application(&app.screener(), &visas[4]).await,
            "screening"
        ),
        "referred"
    );
    browser.close().await;
}
