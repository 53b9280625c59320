//! Visas over the real HTTP surface: a traveller's passport read from its zone, the ECOWAS and
//! AES exemption, consular review and security screening side by side, the e-visa issued and
//! verified; the applicant never learns what screening found.

use crate::helpers::*;
use serde_json::{Value, json};
use time::OffsetDateTime;

pub const PARIS: &str = "AMB-PARIS";
const DAKAR: &str = "AMB-DAKAR";
const SCREENING: &str = "SCREENING";

/// A traveller as their passport prints them; names in capitals, as a zone carries them.
#[derive(Clone)]
pub struct Traveller {
    pub surname: &'static str,
    pub given_names: &'static str,
    pub number: &'static str,
    pub nationality: &'static str,
    /// `YYYY-MM-DD`
    pub birth_date: &'static str,
    pub sex: &'static str,
}

impl Traveller {
    pub fn french(
        surname: &'static str,
        given_names: &'static str,
        birth_date: &'static str,
    ) -> Self {
        Traveller {
            surname,
            given_names,
            number: "19FR12345",
            nationality: "FRA",
            birth_date,
            sex: "M",
        }
    }
}

fn yymmdd(date: &str) -> String {
    date.replace('-', "")[2..].to_owned()
}

fn digit(s: &str) -> String {
    mrz::check_digit(s).unwrap().to_string()
}

/// The two lines of a TD3 passport zone, every check digit computed.
pub fn mrz(t: &Traveller, expiry: &str) -> String {
    let mut line1 = format!(
        "P<{}{}<<{}",
        t.nationality,
        t.surname.replace(' ', "<"),
        t.given_names.replace(' ', "<")
    );
    while line1.len() < 44 {
        line1.push('<');
    }
    let mut number = t.number.to_owned();
    while number.len() < 9 {
        number.push('<');
    }
    let personal = "<<<<<<<<<<<<<<";
    let (birth, expiry) = (yymmdd(t.birth_date), yymmdd(expiry));
    let mut line2 = format!(
        "{number}{}{}{birth}{}{}{expiry}{}{personal}{}",
        digit(&number),
        t.nationality,
        digit(&birth),
        t.sex,
        digit(&expiry),
        digit(personal)
    );
    let composite: String = [&line2[0..10], &line2[13..20], &line2[21..43]].concat();
    line2.push_str(&digit(&composite));
    format!("{line1}\n{line2}")
}

fn day(offset: i64) -> String {
    let d = OffsetDateTime::now_utc().date() + time::Duration::days(offset);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A visa application of `t`'s at `mission`: arriving in ten days, staying `stay` days (both
/// counted), the passport valid five more years.
pub fn visa_request(
    t: &Traveller,
    visa_type: &str,
    scope: &str,
    entries: &str,
    mission: &str,
    stay: i64,
) -> Value {
    visa_request_arriving(t, visa_type, scope, entries, mission, 10, stay)
}

/// The same, arriving `arrival` days from today.
pub fn visa_request_arriving(
    t: &Traveller,
    visa_type: &str,
    scope: &str,
    entries: &str,
    mission: &str,
    arrival: i64,
    stay: i64,
) -> Value {
    let expiry = day(5 * 365);
    let mut details = json!({
        "mission": mission,
        "visa_type": visa_type,
        "scope": scope,
        "entries": entries,
        "arrival_date": day(arrival),
        "departure_date": day(arrival + stay - 1),
        "purpose": "Visite du pays dogon",
        "passport": {
            "mrz": mrz(t, &expiry),
            "number": t.number,
            "nationality": t.nationality,
            "surname": t.surname,
            "given_names": t.given_names,
            "birth_date": t.birth_date,
            "sex": t.sex,
            "expiry_date": expiry,
        }
    });
    if visa_type == "family" {
        details["host"] =
            json!({"name": "Awa Traoré", "address": "Rue 310, Bamako", "phone": "+22370000000"});
    }
    json!({
        "kind": "visa",
        "applicant": {
            "surname": t.surname,
            "given_names": t.given_names,
            "birth_date": t.birth_date,
            "email": "voyageur@example.org",
        },
        "details": details,
    })
}

/// A JPEG as a phone takes a portrait: 900 × 1200 pixels.
pub fn photo() -> Vec<u8> {
    photo_sized(900, 1200)
}

/// A JPEG of `width` × `height` pixels.
pub fn photo_sized(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x * y) % 239) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

impl TestApp {
    pub fn consul(&self, mission: &str) -> String {
        self.token(
            "consular_officer",
            Some(mission),
            &format!("consul-{mission}"),
        )
    }

    pub fn screener(&self) -> String {
        self.token("screening_officer", Some(SCREENING), "screener-1")
    }

    pub fn supervisor(&self) -> String {
        self.token("screening_supervisor", Some(SCREENING), "supervisor-1")
    }

    /// Loads a watchlist as `guichet watchlist load` does, on this server's backend.
    pub async fn load_watchlist(&self, csv: &str) -> guichet_core::ports::WatchlistLoad {
        let backend = &self.server.backend;
        let ports = guichet_core::usecases::screening::Watchlists {
            log: backend.watchlists.as_ref(),
            blobs: backend.blobs.as_ref(),
            clock: &guichet_core::ports::SystemClock,
        };
        guichet_core::usecases::screening::load(&ports, csv.as_bytes(), "ops-test")
            .await
            .unwrap()
    }

    /// Submitted with its photo and passport page, paid, and matched: in review with its
    /// screening recorded. Returns the application's id.
    pub async fn visa_in_review(&self, citizen: &str, request: &Value) -> String {
        self.visa_in_review_with(citizen, request, photo()).await
    }

    /// As `visa_in_review`, with this JPEG as the traveller's photo.
    pub async fn visa_in_review_with(
        &self,
        citizen: &str,
        request: &Value,
        jpeg: Vec<u8>,
    ) -> String {
        let created = self.submitted(citizen, request).await;
        let id = created["id"].as_str().unwrap().to_owned();
        let photo = self
            .attach_as(citizen, &id, "photo", "image/jpeg", jpeg)
            .await;
        let page = self
            .attach(
                citizen,
                &id,
                "passport_page",
                scanned_act("page du passeport"),
            )
            .await;
        assert_eq!(
            self.checked(citizen, &id, &photo).await["state"],
            "accepted"
        );
        assert_eq!(self.checked(citizen, &id, &page).await["state"], "accepted");
        let amount = created["fee"]["amount"].as_u64().unwrap();
        let reference = created["payment_reference"].as_str().unwrap();
        assert_eq!(
            self.pay(reference, &format!("om-{id}"), amount)
                .await
                .status(),
            200
        );
        self.wait_for_status(citizen, &id, "in_review").await;
        self.screening(&id).await;
        id
    }

    /// What matching found, once the screen step has run (409 until then).
    pub async fn screening(&self, id: &str) -> Value {
        let patience = Patience::new(format!("application {id} was never screened"));
        loop {
            let resp = self
                .get(
                    &self.screener(),
                    &format!("/v1/applications/{id}/screening"),
                )
                .await;
            if resp.status() == 200 {
                return resp.json().await.unwrap();
            }
            assert_eq!(resp.status(), 409, "before matching, only a conflict");
            patience.wait().await;
        }
    }

    pub async fn screen(&self, token: &str, id: &str, body: &Value) -> reqwest::Response {
        self.post_json(token, &format!("/v1/applications/{id}/screening"), body)
            .await
    }

    /// In review, approved by the mission's consul and cleared: issued. Returns the view.
    pub async fn issued_visa(&self, citizen: &str, request: &Value) -> Value {
        self.issued_visa_with(citizen, request, photo()).await
    }

    /// As `issued_visa`, with this JPEG as the traveller's photo.
    pub async fn issued_visa_with(&self, citizen: &str, request: &Value, jpeg: Vec<u8>) -> Value {
        let id = self.visa_in_review_with(citizen, request, jpeg).await;
        let mission = request["details"]["mission"].as_str().unwrap();
        let consul = self.consul(mission);
        let approve = self
            .decide(&consul, &id, &json!({"decision": "approve"}))
            .await;
        assert_eq!(approve.status(), 200);
        let clear = self
            .screen(&self.screener(), &id, &json!({"outcome": "clear"}))
            .await;
        assert_eq!(clear.status(), 200);
        self.wait_for_status(citizen, &id, "issued").await
    }

    pub async fn cross(&self, token: &str, body: &Value) -> reqwest::Response {
        self.post_json(token, "/v1/border/crossings", body).await
    }

    pub fn border_officer(&self, post: &str) -> String {
        self.token("border_officer", Some(post), &format!("border-{post}"))
    }

    pub async fn queue(&self, token: &str, query: &str) -> Vec<String> {
        let resp = self.get(token, &format!("/v1/work?{query}")).await;
        assert_eq!(resp.status(), 200, "{query}");
        let body: Value = resp.json().await.unwrap();
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

pub const WATCHLIST: &str = "id,name,aliases,birth_year,nationality
W-001,Muhammad Diallo,,1980,
W-002,Usman Traore,Ousmane Traoré,1975,
W-003,Abdullahi Ibrahim Sow,,1990,
W-004,Mariam Keita,,,
";

async fn walk_visa(app: &TestApp, visa_type: &str, scope: &str, entries: &str, fee: u64) -> Value {
    let t = Traveller::french("MARTIN", "CLAIRE ANNE", "1985-06-01");
    let citizen = app.citizen(&format!("traveller-{visa_type}-{scope}"));
    let stay = if visa_type == "transit" { 4 } else { 12 };
    let request = visa_request(&t, visa_type, scope, entries, PARIS, stay);
    let id = app.visa_in_review(&citizen, &request).await;
    let view = app.application(&citizen, &id).await;
    assert_eq!(view["office"], PARIS);
    assert_eq!(view["fee"]["amount"], fee, "{visa_type} {scope} {entries}");
    // The applicant sees the consular review, never the screening.
    let names: Vec<&str> = view["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["consular_review"]);
    let consul = app.consul(PARIS);
    assert!(
        app.queue(
            &consul,
            "office=AMB-PARIS&status=in_review&step=consular_review"
        )
        .await
        .contains(&id)
    );
    assert!(
        app.queue(&app.screener(), "office=SCREENING&step=screening")
            .await
            .contains(&id)
    );
    let approved = app
        .decide(&consul, &id, &json!({"decision": "approve"}))
        .await;
    assert_eq!(approved.status(), 200);
    let approved: Value = approved.json().await.unwrap();
    assert_eq!(approved["status"], "in_review", "screening is still open");
    let cleared = app
        .screen(&app.screener(), &id, &json!({"outcome": "clear"}))
        .await;
    assert_eq!(cleared.status(), 200);
    let issued = app.wait_for_status(&citizen, &id, "issued").await;
    let number = issued["document"]["number"].as_str().unwrap().to_owned();
    assert!(number.starts_with("VS-"), "{number}");
    let pdf = app.download(&citizen, &id).await;
    assert!(pdf.len() <= 60 * 1024, "the e-visa is {} bytes", pdf.len());
    println!("e-visa {visa_type} {scope} {entries}: {} bytes", pdf.len());
    let path = app.dir.path().join(format!("{id}.pdf"));
    std::fs::write(&path, &pdf).unwrap();
    let text = pdf_text(&path);
    assert!(text.contains("VISA ÉLECTRONIQUE"), "{text}");
    assert!(
        text.contains("19FR12345") && text.contains("MARTIN"),
        "{text}"
    );
    // The photo, downscaled to print size, is on it.
    let images =
        String::from_utf8(poppler("pdfimages", &["-list", path.to_str().unwrap()]).stdout).unwrap();
    assert!(images.contains("236   299"), "{images}");
    // The seal a phone reads at 150 dpi says the visa's terms.
    let seal = qr_codes_at(&path, 150)
        .pop()
        .expect("the seal reads at 150 dpi");
    let keys: Value = app.public_json("/v1/keys").await;
    let claims = guichet_seal::open(&seal, &guichet_seal::JwkSet::parse(&keys).unwrap()).unwrap();
    let terms = claims.visa.expect("a visa's seal carries its terms");
    assert_eq!(terms.passport_number, "19FR12345");
    assert_eq!(terms.nationality, "FRA");
    assert_eq!(terms.visa_type.as_str(), visa_type);
    assert_eq!(terms.scope.as_str(), scope);
    assert_eq!(terms.multiple_entries, entries == "multiple");
    assert_eq!(i64::from(terms.stay_days), stay);
    let by_file = app.verify_pdf(&pdf).await;
    assert_eq!(by_file["status"], "valid", "{by_file}");
    assert_eq!(
        app.verify_number(&issued["document"]).await["status"],
        "valid"
    );
    issued
}

#[tokio::test]
async fn each_visa_type_and_both_scopes_go_to_a_verified_e_visa() {
    let app = spawn_app().await;
    app.load_watchlist(WATCHLIST).await;
    for (visa_type, scope, entries, fee) in [
        ("tourism", "national", "single", 60_000),
        ("family", "aes", "multiple", 100_000),
        ("business", "national", "multiple", 120_000),
        ("transit", "aes", "single", 75_000),
        ("transit", "national", "single", 25_000),
    ] {
        walk_visa(&app, visa_type, scope, entries, fee).await;
    }
}

#[tokio::test]
async fn a_visa_goes_to_a_verified_e_visa_on_aws() {
    let app = spawn_aws_app().await;
    let load = app.load_watchlist(WATCHLIST).await;
    assert_eq!((load.seq, load.entries), (1, 4));
    let again = app.load_watchlist(WATCHLIST).await;
    assert_eq!(
        (again.seq, again.version),
        (2, load.version),
        "same file, same version"
    );
    walk_visa(&app, "tourism", "aes", "single", 75_000).await;
    let traveller = Traveller::french("DIALLO", "MOHAMED", "1980-02-02");
    let id = app
        .visa_in_review(
            &app.citizen("traveller-aws-hit"),
            &visa_request(&traveller, "business", "national", "single", DAKAR, 5),
        )
        .await;
    let found = app.screening(&id).await;
    assert_eq!(found["candidates"][0]["entry_id"], "W-001", "{found}");
}

#[tokio::test]
async fn ecowas_and_aes_nationals_need_no_visa_and_nothing_is_stored() {
    let app = spawn_app().await;
    let citizen = app.citizen("traveller-dakar");
    for nationality in ["SEN", "CIV", "NGA", "BFA", "NER"] {
        let mut t = Traveller::french("NDIAYE", "FATOU", "1992-03-04");
        t.nationality = nationality;
        let resp = app
            .submit(
                &citizen,
                &visa_request(&t, "tourism", "national", "single", DAKAR, 10),
            )
            .await;
        let p = problem(resp, 422).await;
        assert!(
            p["type"].as_str().unwrap().ends_with("/visa-not-required"),
            "{p}"
        );
        assert!(p["detail"].as_str().unwrap().contains("sans visa"), "{p}");
        assert!(
            p["detail_en"].as_str().unwrap().contains("without a visa"),
            "{p}"
        );
        assert_eq!(fields(&p), vec!["details.passport.nationality"]);
    }
    let mine: Value = app
        .get(&citizen, "/v1/applications")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"], json!([]), "nothing stored, nothing to pay");
}

#[tokio::test]
async fn every_check_digit_of_the_zone_and_every_disagreeing_field_is_named() {
    let app = spawn_app().await;
    let citizen = app.citizen("traveller-typo");
    let t = Traveller::french("MARTIN", "CLAIRE", "1985-06-01");
    let good = visa_request(&t, "tourism", "national", "single", PARIS, 10);
    // Line 2's check digits: the number's (9), the birth date's (19), the expiry's (27), the
    // personal number's (42) and the composite (43).
    for (pos, part) in [
        (9, "numéro de passeport"),
        (19, "date de naissance"),
        (27, "date d'expiration"),
        (42, "numéro personnel"),
        (43, "ligne 2"),
    ] {
        let mut request = good.clone();
        let zone = request["details"]["passport"]["mrz"]
            .as_str()
            .unwrap()
            .to_owned();
        let (line1, line2) = zone.split_once('\n').unwrap();
        let mut bytes = line2.as_bytes().to_vec();
        bytes[pos] = if bytes[pos] == b'1' { b'2' } else { b'1' };
        let wrong = format!("{line1}\n{}", String::from_utf8(bytes).unwrap());
        request["details"]["passport"]["mrz"] = json!(wrong);
        let p = problem(app.submit(&citizen, &request).await, 422).await;
        assert_eq!(fields(&p), vec!["details.passport.mrz"], "{pos}: {p}");
        let message = p["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(part), "{pos}: {message}");
        assert!(!p["errors"][0]["message_en"].as_str().unwrap().is_empty());
    }
    let mut typed = good.clone();
    typed["details"]["passport"]["number"] = json!("19FR12346");
    let p = problem(app.submit(&citizen, &typed).await, 422).await;
    assert_eq!(fields(&p), vec!["details.passport.number"]);
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("19FR12345"),
        "{p}"
    );
    // Expiring four months after the departure: refused, naming the departure.
    let mut soon = good.clone();
    let expiry = day(10 + 9 + 120);
    soon["details"]["passport"]["expiry_date"] = json!(expiry);
    soon["details"]["passport"]["mrz"] = json!(mrz(&t, &expiry));
    let p = problem(app.submit(&citizen, &soon).await, 422).await;
    assert_eq!(fields(&p), vec!["details.passport.expiry_date"], "{p}");
    // A stay longer than the type allows.
    let long = visa_request(&t, "transit", "national", "single", PARIS, 8);
    let p = problem(app.submit(&citizen, &long).await, 422).await;
    assert_eq!(fields(&p), vec!["details.departure_date"], "{p}");
}

#[tokio::test]
async fn screening_finds_each_spelling_of_a_listed_name_and_not_a_different_person() {
    let app = spawn_app().await;
    app.load_watchlist(WATCHLIST).await;
    let cases: [(&str, &str, &str, Option<&str>); 9] = [
        ("DIALLO", "MOHAMED", "1980-05-05", Some("W-001")),
        ("DIALLO", "MOHAMMED", "1981-05-05", Some("W-001")),
        // Given name and surname the other way round.
        ("MUHAMMAD", "DIALLO", "1980-05-05", Some("W-001")),
        ("TRAORE", "OUSMANE", "1975-01-01", Some("W-002")),
        // The middle name missing.
        ("SOW", "ABDOULAYE", "1990-07-07", Some("W-003")),
        // The list knows no birth year.
        ("KEITA", "MARIAM", "1970-01-01", Some("W-004")),
        // Different people with similar names.
        ("DIARRA", "MOHAMED", "1980-05-05", None),
        ("DIALLO", "MUHAMMAD", "1960-05-05", None),
        ("TRAORE", "AMADOU", "1975-01-01", None),
    ];
    for (i, (surname, given, born, hit)) in cases.into_iter().enumerate() {
        let t = Traveller {
            surname,
            given_names: given,
            number: "24CD98765",
            nationality: "GBR",
            birth_date: born,
            sex: "M",
        };
        let citizen = app.citizen(&format!("traveller-screen-{i}"));
        let id = app
            .visa_in_review(
                &citizen,
                &visa_request(&t, "business", "national", "single", DAKAR, 5),
            )
            .await;
        let found = app.screening(&id).await;
        let ids: Vec<&str> = found["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["entry_id"].as_str().unwrap())
            .collect();
        match hit {
            Some(entry) => {
                assert_eq!(ids.first(), Some(&entry), "{given} {surname}: {found}");
                let c = &found["candidates"][0];
                assert!(c["score"].as_f64().unwrap() >= 0.8);
                assert!(!c["features"].as_array().unwrap().is_empty(), "{c}");
            }
            None => assert!(ids.is_empty(), "{given} {surname} born {born}: {found}"),
        }
        // The applicant never sees it.
        let resp = app
            .get(&citizen, &format!("/v1/applications/{id}/screening"))
            .await;
        assert_eq!(problem(resp, 403).await["status"], 403);
        let own = app.application(&citizen, &id).await;
        assert!(own.get("screening").is_none());
        assert!(!own.to_string().contains("W-00"), "{own}");
    }
}

#[tokio::test]
async fn a_denial_refuses_the_visa_after_a_consular_approval_and_the_applicant_learns_only_the_refusal()
 {
    let app = spawn_app().await;
    app.load_watchlist(WATCHLIST).await;
    let citizen = app.citizen("traveller-denied");
    let t = Traveller::french("DIALLO", "MOHAMED", "1980-05-05");
    let id = app
        .visa_in_review(
            &citizen,
            &visa_request(&t, "tourism", "national", "single", PARIS, 10),
        )
        .await;
    let consul = app.consul(PARIS);
    assert_eq!(
        app.decide(&consul, &id, &json!({"decision": "approve"}))
            .await
            .status(),
        200
    );
    // A consular officer does not screen, and a screener does not decide.
    let p = problem(
        app.screen(&consul, &id, &json!({"outcome": "clear"})).await,
        403,
    )
    .await;
    assert_eq!(p["status"], 403);
    let p = problem(
        app.decide(&app.screener(), &id, &json!({"decision": "approve"}))
            .await,
        403,
    )
    .await;
    assert_eq!(p["status"], 403);
    let denied = app
        .screen(
            &app.screener(),
            &id,
            &json!({"outcome": "deny", "reason": "W-001, même personne"}),
        )
        .await;
    assert_eq!(denied.status(), 200);
    let own = app.application(&citizen, &id).await;
    assert_eq!(own["status"], "rejected");
    assert!(own["document"].is_null());
    let text = own.to_string();
    // Every visa is screened, so the security services' reads are shown as such; what they
    // found, said and decided is not.
    for kept in [
        "W-001",
        "\"screening\",\"state\"",
        "deny",
        "même personne",
        "screening_officer",
    ] {
        assert!(!text.contains(kept), "{kept}: {own}");
    }
    assert!(
        own["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["name"] != "screening")
    );
    assert_eq!(
        own["decision"]["reason"],
        "Demande refusée. — Application refused."
    );
    app.settled().await;
    assert_eq!(
        app.application(&citizen, &id).await["status"],
        "rejected",
        "never issued"
    );
    // The unit keeps its reason.
    let record = app.screening(&id).await;
    assert_eq!(record["decisions"][0]["outcome"], "deny");
    assert_eq!(record["decisions"][0]["reason"], "W-001, même personne");
}

#[tokio::test]
async fn a_referral_holds_the_visa_for_a_supervisor() {
    let app = spawn_app().await;
    app.load_watchlist(WATCHLIST).await;
    let citizen = app.citizen("traveller-referred");
    let t = Traveller::french("TRAORE", "OUSMANE", "1975-01-01");
    let id = app
        .visa_in_review(
            &citizen,
            &visa_request(&t, "tourism", "national", "single", PARIS, 10),
        )
        .await;
    let (screener, supervisor) = (app.screener(), app.supervisor());
    // The supervisor reads why: a referral without a reason is refused (issue 27, item 9).
    for bare in [
        json!({"outcome": "refer"}),
        json!({"outcome": "refer", "reason": "  "}),
    ] {
        let p = problem(app.screen(&screener, &id, &bare).await, 422).await;
        assert_eq!(fields(&p), vec!["reason"], "{p}");
    }
    assert_eq!(
        app.screen(
            &screener,
            &id,
            &json!({"outcome": "refer", "reason": "homonyme possible"})
        )
        .await
        .status(),
        200
    );
    assert!(
        !app.queue(&screener, "office=SCREENING&step=screening")
            .await
            .contains(&id)
    );
    assert!(
        app.queue(&supervisor, "office=SCREENING&step=screening")
            .await
            .contains(&id)
    );
    let p = problem(
        app.screen(&screener, &id, &json!({"outcome": "clear"}))
            .await,
        403,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("superviseur"), "{p}");
    assert_eq!(
        app.decide(&app.consul(PARIS), &id, &json!({"decision": "approve"}))
            .await
            .status(),
        200
    );
    app.settled().await;
    let held = app.application(&citizen, &id).await;
    assert_eq!(held["status"], "in_review", "held while referred: {held}");
    assert!(!held.to_string().contains("referred"), "{held}");
    // The mission's consul sees their own step, not the screening's.
    let consul_view = app.application(&app.consul(PARIS), &id).await;
    assert!(
        !consul_view.to_string().contains("referred"),
        "{consul_view}"
    );
    assert_eq!(
        app.screen(&supervisor, &id, &json!({"outcome": "clear"}))
            .await
            .status(),
        200
    );
    app.wait_for_status(&citizen, &id, "issued").await;
    // The e-visa names the consul who approved, never the supervisor who cleared last.
    let text = app.document_text(&citizen, &id).await;
    assert!(text.contains("Agent consul-AMB-PARIS"), "{text}");
    assert!(!text.contains("supervisor"), "{text}");
}

#[tokio::test]
async fn a_corrected_name_is_screened_again_before_anything_is_approved() {
    let app = spawn_app().await;
    app.load_watchlist(WATCHLIST).await;
    let citizen = app.citizen("traveller-renamed");
    let first = Traveller::french("MARTIN", "CLAIRE", "1985-06-01");
    let id = app
        .visa_in_review(
            &citizen,
            &visa_request(&first, "tourism", "national", "single", PARIS, 10),
        )
        .await;
    assert_eq!(
        app.screen(&app.screener(), &id, &json!({"outcome": "clear"}))
            .await
            .status(),
        200
    );
    let consul = app.consul(PARIS);
    let ask = json!({"decision": "request_info", "reason": "Le passeport joint est celui d'une autre personne"});
    assert_eq!(app.decide(&consul, &id, &ask).await.status(), 200);
    // The traveller was someone else: the listed person's passport.
    let listed = Traveller::french("DIALLO", "MOHAMED", "1980-05-05");
    let corrected = visa_request(&listed, "tourism", "national", "single", PARIS, 10);
    let resp = app
        .http
        .post(app.url(&format!("/v1/applications/{id}/resubmit")))
        .bearer_auth(&citizen)
        .json(&json!({"applicant": corrected["applicant"], "details": corrected["details"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // The earlier clearance no longer stands: approving now leaves it in review.
    assert_eq!(
        app.decide(&consul, &id, &json!({"decision": "approve"}))
            .await
            .status(),
        200
    );
    app.settled().await;
    assert_eq!(app.application(&citizen, &id).await["status"], "in_review");
    let found = app.screening(&id).await;
    assert_eq!(found["name"], "MOHAMED DIALLO", "{found}");
    assert_eq!(found["candidates"][0]["entry_id"], "W-001", "{found}");
    assert_eq!(found["decisions"], json!([]));
}

#[tokio::test]
async fn a_consular_officer_of_another_mission_sees_nothing() {
    let app = spawn_app().await;
    let citizen = app.citizen("traveller-paris");
    let t = Traveller::french("MARTIN", "CLAIRE", "1985-06-01");
    let id = app
        .visa_in_review(
            &citizen,
            &visa_request(&t, "tourism", "national", "single", PARIS, 10),
        )
        .await;
    let dakar = app.consul(DAKAR);
    assert_eq!(
        app.get(&dakar, &format!("/v1/applications/{id}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.decide(&dakar, &id, &json!({"decision": "approve"}))
            .await
            .status(),
        404
    );
    assert!(app.queue(&dakar, "office=AMB-DAKAR").await.is_empty());
    assert_eq!(
        app.get(&dakar, "/v1/work?office=AMB-PARIS").await.status(),
        404
    );
    // A clerk of a court sees no visa either; the mission's consul does, and the read is kept.
    assert_eq!(
        app.get(
            &app.clerk(BAMAKO_REGISTRY),
            &format!("/v1/applications/{id}")
        )
        .await
        .status(),
        404
    );
    let paris = app
        .get(&app.consul(PARIS), &format!("/v1/applications/{id}"))
        .await;
    assert_eq!(paris.status(), 200);
    let p = problem(
        app.get(&dakar, "/v1/work?office=AMB-DAKAR&step=nothing")
            .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), vec!["step"]);
}

const AIRPORT: &str = "PAF-BKO-AIRPORT";
const KOURY: &str = "PAF-KOURY";

#[tokio::test]
async fn a_single_entry_visa_lets_one_entry_through_and_every_refusal_says_why() {
    let clock = std::sync::Arc::new(ShiftedClock::default());
    let app = spawn_app_on(clock.clone()).await;
    let citizen = app.citizen("traveller-border");
    let t = Traveller::french("MARTIN", "CLAIRE", "1985-06-01");
    let single = app
        .issued_visa(
            &citizen,
            &visa_request_arriving(&t, "tourism", "national", "single", PARIS, 0, 10),
        )
        .await;
    let number = single["document"]["number"].as_str().unwrap().to_owned();
    let id = single["id"].as_str().unwrap().to_owned();
    // The officer scans the e-visa's QR code.
    let path = app.dir.path().join("visa.pdf");
    std::fs::write(&path, app.download(&citizen, &id).await).unwrap();
    let seal = qr_codes(&path).pop().expect("the e-visa carries its seal");
    let airport = app.border_officer(AIRPORT);
    let entered = app
        .cross(&airport, &json!({"seal": seal, "direction": "entry"}))
        .await;
    assert_eq!(entered.status(), 201);
    let entered: Value = entered.json().await.unwrap();
    assert_eq!(entered["visa"]["number"], number.as_str());
    assert_eq!(entered["visa"]["entries"], "single");
    assert_eq!(entered["visa"]["status"], "valid");
    assert_eq!(entered["crossings_used"], 1);
    assert_eq!(entered["stay_days_left"], 9);
    assert_eq!(entered["flags"], json!([]));
    // The holder is told (a visa used by someone else is noticed), naming the application only.
    let reference = single["payment_reference"].as_str().unwrap();
    let outbox = app.dir.path().join("outbox");
    let patience = Patience::new("the holder is never told of the crossing");
    let told = loop {
        let told = std::fs::read_dir(&outbox)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            .find(|text| text.contains("passage de frontière a été enregistré"));
        if let Some(told) = told {
            break told;
        }
        patience.wait().await;
    };
    assert!(
        told.contains(reference) && told.contains("border crossing was recorded"),
        "{told}"
    );
    assert!(!told.contains(&number) && !told.contains("visa"), "{told}");
    // A second entry at another post, by the numbers typed: refused, naming the first.
    let by_numbers =
        json!({"passport_number": "19FR12345", "visa_number": number, "direction": "entry"});
    let p = problem(
        app.cross(&app.border_officer(KOURY), &by_numbers).await,
        409,
    )
    .await;
    assert!(
        p["type"].as_str().unwrap().ends_with("/crossing-refused"),
        "{p}"
    );
    assert_eq!(p["reason"], "second_entry");
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains(AIRPORT) && detail.contains(&day(0)),
        "{detail}"
    );
    assert!(
        p["detail_en"].as_str().unwrap().contains("single-entry"),
        "{p}"
    );
    // Another passport: refused.
    let mut other = by_numbers.clone();
    other["passport_number"] = json!("99ZZ00000");
    assert_eq!(
        problem(app.cross(&airport, &other).await, 409).await["reason"],
        "wrong_passport"
    );
    // Leaving is never refused; leaving twice is flagged.
    let out = app
        .cross(&airport, &json!({"seal": seal, "direction": "exit"}))
        .await;
    assert_eq!(out.status(), 201);
    let again: Value = app
        .cross(&airport, &json!({"seal": seal, "direction": "exit"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["flags"], json!(["exit_without_entry"]));
    // Leaving with another passport is recorded too, and flagged (issue 27, item 12).
    let mut leaving = other.clone();
    leaving["direction"] = json!("exit");
    let flagged: Value = app.cross(&airport, &leaving).await.json().await.unwrap();
    assert!(
        flagged["flags"]
            .as_array()
            .unwrap()
            .contains(&json!("wrong_passport")),
        "{flagged}"
    );
    // Staff of the mission see the crossings on the visa.
    let staff_view = app.application(&app.consul(PARIS), &id).await;
    let posts: Vec<&str> = staff_view["crossings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["direction"].as_str().unwrap())
        .collect();
    assert_eq!(posts, vec!["entry", "exit", "exit", "exit"]);

    // A revoked visa lets no one in.
    let revoked = app
        .issued_visa(
            &citizen,
            &visa_request_arriving(&t, "tourism", "national", "multiple", PARIS, 0, 30),
        )
        .await;
    let revoked_number = revoked["document"]["number"].as_str().unwrap();
    let admin = app.token("admin", None, "admin-1");
    let r = app
        .revoke(
            &admin,
            revoked_number,
            &json!({"reason": "Passeport déclaré volé"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let enter = json!({"passport_number": "19FR12345", "visa_number": revoked_number, "direction": "entry"});
    assert_eq!(
        problem(app.cross(&airport, &enter).await, 409).await["reason"],
        "revoked"
    );
    // A visa whose stay starts in ten days is not valid yet; a multiple-entry one comes and goes.
    let later = app
        .issued_visa(
            &citizen,
            &visa_request(&t, "business", "national", "multiple", PARIS, 20),
        )
        .await;
    let later_number = later["document"]["number"].as_str().unwrap().to_owned();
    let enter =
        json!({"passport_number": "19FR12345", "visa_number": later_number, "direction": "entry"});
    assert_eq!(
        problem(app.cross(&airport, &enter).await, 409).await["reason"],
        "not_yet_valid"
    );
    clock.advance(time::Duration::days(12));
    // Tokens are minted on the service's clock: a new shift's.
    let airport = app.border_officer(AIRPORT);
    assert_eq!(app.cross(&airport, &enter).await.status(), 201);
    let exit =
        json!({"passport_number": "19FR12345", "visa_number": later_number, "direction": "exit"});
    // A scanner that retries with its Idempotency-Key records one exit, and hears of that one.
    let keyed = |key: &'static str| {
        app.http
            .post(app.url("/v1/border/crossings"))
            .bearer_auth(&airport)
            .header("Idempotency-Key", key)
            .json(&exit)
    };
    let first: Value = keyed("exit-1").send().await.unwrap().json().await.unwrap();
    assert_eq!(first["flags"], json!([]), "{first}");
    let again: Value = keyed("exit-1").send().await.unwrap().json().await.unwrap();
    assert_eq!(again, first);
    let later_id = later["id"].as_str().unwrap();
    let recorded = app.application(&app.consul(PARIS), later_id).await;
    assert_eq!(
        recorded["crossings"].as_array().unwrap().len(),
        2,
        "{recorded}"
    );
    let back: Value = app.cross(&airport, &enter).await.json().await.unwrap();
    assert_eq!(back["crossings_used"], 2);
    assert_eq!(back["visa"]["entries"], "multiple");
    // Past its last day (departure and 15 days' grace): expired.
    clock.advance(time::Duration::days(40));
    let airport = app.border_officer(AIRPORT);
    assert_eq!(
        app.cross(&airport, &exit).await.status(),
        201,
        "leaving is never refused"
    );
    assert_eq!(
        problem(app.cross(&airport, &enter).await, 409).await["reason"],
        "expired"
    );
}

#[tokio::test]
async fn only_a_border_officer_at_a_border_post_records_crossings() {
    let app = spawn_app().await;
    let body = json!({"passport_number": "19FR12345", "visa_number": "VS-2026-000001-0", "direction": "entry"});
    for token in [
        app.consul(PARIS),
        app.citizen("traveller"),
        app.token("border_officer", Some(PARIS), "border-at-a-mission"),
    ] {
        assert_eq!(
            problem(app.cross(&token, &body).await, 403).await["status"],
            403
        );
    }
    assert_eq!(app.cross("", &body).await.status(), 401);
    let p = problem(
        app.cross(
            &app.border_officer(AIRPORT),
            &json!({"seal": "GCH1:nonsense", "direction": "sideways"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&p), vec!["direction", "seal"]);
}

impl TestApp {
    /// A partner state's system, as its identity provider would name it.
    pub fn partner(&self, state: &str) -> String {
        let auth = guichet_http::auth::Authenticator::new(
            &self.settings.http.tokens,
            &self.server.backend.token_secret,
        );
        let now = self.server.functions.submit.edge.clock.now();
        guichet_cli::token::mint_partner(
            &auth,
            &format!("{}-system", state.to_lowercase()),
            state,
            time::Duration::hours(1),
            now,
        )
        .unwrap()
        .token
    }

    /// The seal printed on an application's document, as a phone reads its QR code.
    pub async fn seal_of(&self, token: &str, id: &str) -> String {
        let path = self.dir.path().join(format!("{id}.pdf"));
        std::fs::write(&path, self.download(token, id).await).unwrap();
        qr_codes(&path)
            .pop()
            .expect("the document carries its seal")
    }

    /// The feed after `after`, once it holds at least `want` items.
    pub async fn feed(&self, token: &str, after: Option<&str>, want: usize) -> Value {
        let path = match after {
            Some(a) => format!("/v1/aes/visas?after={a}"),
            None => "/v1/aes/visas".to_owned(),
        };
        let patience = Patience::new(format!("the feed never held {want} items after {after:?}"));
        loop {
            let resp = self.get(token, &path).await;
            assert_eq!(resp.status(), 200);
            let page: Value = resp.json().await.unwrap();
            if page["items"].as_array().unwrap().len() >= want {
                return page;
            }
            patience.wait().await;
        }
    }
}

async fn partners_read_the_feed(app: &TestApp) {
    let citizen = app.citizen("traveller-aes");
    let t = Traveller::french("MARTIN", "CLAIRE", "1985-06-01");
    let aes = app
        .issued_visa(
            &citizen,
            &visa_request_arriving(&t, "business", "aes", "multiple", DAKAR, 0, 20),
        )
        .await;
    let national = app
        .issued_visa(
            &citizen,
            &visa_request(&t, "tourism", "national", "single", PARIS, 10),
        )
        .await;
    let number = aes["document"]["number"].as_str().unwrap().to_owned();
    let by_numbers =
        json!({"passport_number": "19FR12345", "visa_number": number, "direction": "entry"});
    assert_eq!(
        app.cross(&app.border_officer(AIRPORT), &by_numbers)
            .await
            .status(),
        201
    );
    let burkina = app.partner("BFA");
    let page = app.feed(&burkina, None, 2).await;
    let items = page["items"].as_array().unwrap();
    let events: Vec<&str> = items.iter().map(|i| i["event"].as_str().unwrap()).collect();
    assert_eq!(
        events,
        vec!["issued", "crossed"],
        "only the AES visa: {page}"
    );
    assert!(items.iter().all(|i| i["visa"]["number"] == number.as_str()));
    assert_eq!(items[1]["visa"]["crossing"]["post"], AIRPORT);
    assert_eq!(items[0]["visa"]["holder"]["passport_number"], "19FR12345");
    assert!(
        !page
            .to_string()
            .contains(national["document"]["number"].as_str().unwrap())
    );
    // Each item checks offline against the published keys, and says what the item says.
    let keys: Value = app.public_json("/v1/keys").await;
    let keys = guichet_seal::JwkSet::parse(&keys).unwrap();
    for item in items {
        let payload = guichet_seal::open_record(item["signed"].as_str().unwrap(), &keys).unwrap();
        let signed: Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(
            signed,
            json!({"seq": item["seq"], "event": item["event"], "visa": item["visa"]})
        );
    }
    let mut forged = items[0]["signed"].as_str().unwrap().to_owned().into_bytes();
    let last = forged.len() - 5;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    assert!(guichet_seal::open_record(&String::from_utf8(forged).unwrap(), &keys).is_err());
    // From a cursor: only what came after; a revocation is the next item.
    let cursor = page["next"].as_str().unwrap().to_owned();
    assert_eq!(cursor, items[1]["seq"].to_string());
    let first = items[0]["seq"].to_string();
    let from_first = app.feed(&burkina, Some(&first), 1).await;
    assert_eq!(from_first["items"][0]["event"], "crossed");
    let admin = app.token("admin", None, "admin-aes");
    let r = app
        .revoke(
            &admin,
            &number,
            &json!({"reason": "Visa obtenu par fraude"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let after = app.feed(&burkina, Some(&cursor), 1).await;
    assert_eq!(after["items"][0]["event"], "revoked");
    assert_eq!(after["items"][0]["visa"]["status"], "revoked");
    // A partner checks one visa by its seal; a national visa is not theirs to honour.
    let niger = app.partner("NER");
    let check = |seal: String| {
        let niger = niger.clone();
        async move {
            app.http
                .post(app.url("/v1/aes/verify"))
                .bearer_auth(niger)
                .json(&json!({"seal": seal}))
                .send()
                .await
                .unwrap()
        }
    };
    let checked: Value = check(app.seal_of(&citizen, aes["id"].as_str().unwrap()).await)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(checked["status"], "revoked");
    assert_eq!(checked["entries_used"], 1);
    let national_seal = app
        .seal_of(&citizen, national["id"].as_str().unwrap())
        .await;
    assert_eq!(check(national_seal).await.status(), 404);
    // Only partner systems of AES states read it; a cursor is one the feed gave.
    assert_eq!(
        app.get(&app.consul(DAKAR), "/v1/aes/visas").await.status(),
        403
    );
    assert_eq!(
        app.get(&app.partner("FRA"), "/v1/aes/visas").await.status(),
        403
    );
    let p = problem(app.get(&burkina, "/v1/aes/visas?after=abc").await, 422).await;
    assert_eq!(fields(&p), vec!["after"]);
}

#[tokio::test]
async fn partner_states_read_the_aes_feed_from_a_cursor_and_check_each_signature() {
    partners_read_the_feed(&spawn_app().await).await;
}

#[tokio::test]
async fn partner_states_read_the_aes_feed_on_aws() {
    partners_read_the_feed(&spawn_aws_app().await).await;
}

#[tokio::test]
async fn the_time_from_payment_to_decision_is_measured_per_mission() {
    let clock = std::sync::Arc::new(ShiftedClock::default());
    let app = spawn_app_on(clock.clone()).await;
    let citizen = app.citizen("traveller-timed");
    let t = Traveller::french("MARTIN", "CLAIRE", "1985-06-01");
    // Decided at once at Paris; at Dakar one decided after 80 hours, one still waiting.
    app.issued_visa(
        &citizen,
        &visa_request(&t, "tourism", "national", "single", PARIS, 10),
    )
    .await;
    let slow = app
        .visa_in_review(
            &citizen,
            &visa_request(&t, "tourism", "national", "single", DAKAR, 30),
        )
        .await;
    let waiting = app
        .visa_in_review(
            &citizen,
            &visa_request(&t, "tourism", "national", "single", DAKAR, 30),
        )
        .await;
    clock.advance(time::Duration::hours(80));
    let consul = app.consul(DAKAR);
    let reject = json!({"decision": "reject", "reason": "Billet retour absent"});
    assert_eq!(app.decide(&consul, &slow, &reject).await.status(), 200);
    let rows = guichet_core::usecases::report::decision_times(
        app.server.backend.applications.as_ref(),
        guichet_core::domain::DocumentKind::VISA,
        time::Duration::hours(72),
        app.server.functions.submit.edge.clock.now(),
    )
    .await
    .unwrap();
    let row = |office: &str| rows.iter().find(|r| r.office.as_str() == office).unwrap();
    assert_eq!((row(PARIS).decided, row(PARIS).within_target), (1, 1));
    assert!(row(PARIS).median_hours < 1.0);
    assert_eq!((row(DAKAR).decided, row(DAKAR).within_target), (1, 0));
    assert!(row(DAKAR).median_hours >= 80.0);
    assert_eq!(row(DAKAR).late_pending, 1, "{waiting} waits past 72 hours");
}

/// Issue 26, item 1: once paid, an answer may not change what the fee or the office depends
/// on. A transit visa (25,000 XOF) answered as a business visa of multiple entries (120,000)
/// is refused naming the fields, so is another mission; a correction of anything else passes,
/// and the e-visa is issued on the terms paid.
#[tokio::test]
async fn an_answer_cannot_change_what_the_paid_fee_or_the_mission_depends_on() {
    let app = spawn_app().await;
    let citizen = app.citizen("traveller-transit");
    let t = Traveller::french("MARTIN", "CLAIRE", "1985-06-01");
    let transit = visa_request(&t, "transit", "national", "single", PARIS, 5);
    let id = app.visa_in_review(&citizen, &transit).await;
    assert_eq!(app.application(&citizen, &id).await["fee"]["amount"], 25000);
    let cleared = app
        .screen(&app.screener(), &id, &json!({"outcome": "clear"}))
        .await;
    assert_eq!(cleared.status(), 200);
    let consul = app.consul(PARIS);
    let ask = json!({"decision": "request_info", "reason": "Quel est l'objet du voyage ?"});
    assert_eq!(app.decide(&consul, &id, &ask).await.status(), 200);
    app.wait_for_status(&citizen, &id, "needs_info").await;

    let answer = |details: Value| {
        let body = json!({"details": details, "message": "Voyage d'affaires"});
        let (app, citizen, id) = (&app, &citizen, &id);
        async move { app.resubmit(citizen, id, &body).await }
    };
    let business = visa_request(&t, "business", "national", "multiple", PARIS, 5);
    let p = problem(answer(business["details"].clone()).await, 409).await;
    assert_eq!(
        p["type"], "https://guichet.ml/problems/fixed-once-paid",
        "{p}"
    );
    assert_eq!(
        fields(&p),
        ["details.entries", "details.visa_type"],
        "the fields that made the fee change: {p}"
    );
    assert!(
        p["detail"].as_str().unwrap().contains("annulez")
            && p["detail_en"].as_str().unwrap().contains("cancel"),
        "{p}"
    );
    // Another mission is another office's work, paid for at this one.
    let dakar = visa_request(&t, "transit", "national", "single", DAKAR, 5);
    let p = problem(answer(dakar["details"].clone()).await, 409).await;
    assert_eq!(fields(&p), ["details.mission"], "{p}");
    // Nothing changed meanwhile.
    let view = app.application(&citizen, &id).await;
    assert_eq!(
        (
            view["status"].as_str(),
            view["details"]["visa_type"].as_str()
        ),
        (Some("needs_info"), Some("transit"))
    );

    // A correction the fee does not depend on passes.
    let mut corrected = transit["details"].clone();
    corrected["purpose"] = json!("Escale vers Niamey");
    let resp = answer(corrected).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        app.decide(&consul, &id, &json!({"decision": "approve"}))
            .await
            .status(),
        200
    );
    let issued = app.wait_for_status(&citizen, &id, "issued").await;
    assert_eq!(issued["details"]["visa_type"], "transit");
    assert_eq!(issued["fee"]["amount"], 25000);
}

/// Issue 27, item 8: every document carries its code on its first page. An e-visa is one page
/// whatever its photo's size and ratio (a 300 × 380 passport photo pushed the code to a second
/// page); a long extract has it on its first page and on its signature page; the certificate
/// and a kind declared by data too. Each code is read from a 200 dpi picture of page 1.
#[tokio::test]
async fn every_document_carries_its_code_on_its_first_page() {
    use crate::data_kinds::{METROLOGY, gauging_in_review, write_files};
    use guichet_core::domain::ExtractRecord;
    let app = spawn_app_with(|s| write_files(&s.local.data_dir, true)).await;
    let citizen = app.citizen("c-first-page");
    let first_page = |name: &str, pdf: Vec<u8>, pages: usize| {
        let path = app.dir.path().join(format!("{name}.pdf"));
        std::fs::write(&path, &pdf).unwrap();
        assert_eq!(page_count(&path), pages, "{name}");
        let codes = first_page_codes(&path);
        assert_eq!(codes.len(), 1, "{name}: the code on page 1");
        assert!(codes[0].contains("#GCH1:"), "{name}: {}", codes[0]);
        if pages > 1 {
            assert_eq!(qr_codes(&path), codes, "{name}: and on the last page");
        }
    };

    // The longest terms a visa prints, with photos of every shape.
    let traveller = Traveller::french("LAFONTAINE MARCHAND", "MARIE CHRISTINE", "1980-02-02");
    let mut request = visa_request(&traveller, "business", "aes", "multiple", PARIS, 20);
    request["details"]["purpose"] =
        json!("Rencontres avec des investisseurs à Bamako, Ouagadougou et Niamey");
    for (w, h) in [(300, 380), (900, 1200), (1200, 900), (500, 500), (240, 720)] {
        let visa = app
            .issued_visa_with(&citizen, &request, photo_sized(w, h))
            .await;
        let id = visa["id"].as_str().unwrap();
        first_page(
            &format!("visa-{w}x{h}"),
            app.download(&citizen, id).await,
            1,
        );
    }

    // An extract whose record runs to several pages.
    let id = app.paid_application(&citizen, "Diarra").await;
    let convictions: Vec<Value> = (0..ExtractRecord::MAX_CONVICTIONS)
        .map(|i| {
            json!({"date": "2019-03-14", "court": "Tribunal de Grande Instance de la Commune III du District de Bamako",
                "offence": format!("Infraction n° {} : détournement de deniers publics et complicité", i + 1),
                "sentence": "Deux ans d'emprisonnement dont un avec sursis et cent mille francs d'amende"})
        })
        .collect();
    let decided = app
        .decide(
            &app.clerk(BAMAKO_REGISTRY),
            &id,
            &json!({"decision": "approve", "record": {"convictions": convictions}}),
        )
        .await;
    assert_eq!(decided.status(), 200);
    app.wait_for_status(&citizen, &id, "issued").await;
    let pdf = app.download(&citizen, &id).await;
    let path = app.dir.path().join("long.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let pages = page_count(&path);
    assert!(pages > 1, "the long record runs on");
    first_page("long-extract", pdf, pages);

    // The certificate, and the gauging certificate declared by data.
    let id = app.proposed_certificate(&citizen, "Kayes", "TGI-KAY").await;
    let signed = app
        .sign(
            &app.token("signatory", Some("TGI-KAY"), "president"),
            &id,
            &json!({"decision": "sign"}),
        )
        .await;
    assert_eq!(signed.status(), 200);
    app.wait_for_status(&citizen, &id, "issued").await;
    first_page("certificate", app.download(&citizen, &id).await, 1);
    let id = gauging_in_review(&app, &citizen).await;
    let approved = app
        .decide(
            &app.clerk(METROLOGY),
            &id,
            &json!({"decision": "approve", "content": {"gauged_on": "2026-11-30"}}),
        )
        .await;
    assert_eq!(approved.status(), 200);
    app.wait_for_status(&citizen, &id, "issued").await;
    first_page("gauging", app.download(&citizen, &id).await, 1);
}
