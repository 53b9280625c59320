//! `guichet demo`: one criminal record extract through its whole life, over HTTP, against a
//! running `guichet serve` — what a citizen, a payment provider, a clerk and a verifier each do.

use anyhow::{Context as _, bail};
use guichet_http::auth::Authenticator;
use guichet_payments::sign;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

pub struct Demo {
    pub base: String,
    /// Mints the citizen's and the clerk's tokens, as the service checks them.
    pub auth: Authenticator,
    /// Signs the sandbox provider's notice, as the service checks it.
    pub payment_secret: SecretString,
    pub out_dir: PathBuf,
    /// Where the server writes its emails and SMS, when it is this machine's (`guichet serve`).
    pub outbox: Option<PathBuf>,
    /// The development sign-in's key, when this is the `guichet serve` that printed it.
    pub dev_key: Option<String>,
}

fn step(n: u32, text: &str) {
    println!("\n[{n}] {text}");
}

/// A value as a person reads it: text without its JSON quotes.
fn said(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

/// A date as people write it ("23 February 2027"), from the API's RFC 3339.
fn day(v: &Value) -> String {
    let format = time::macros::format_description!("[day padding:none] [month repr:long] [year]");
    v.as_str()
        .and_then(|s| {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
        })
        .and_then(|t| t.format(format).ok())
        .unwrap_or_else(|| said(v))
}

async fn expect(resp: reqwest::Response, status: u16) -> anyhow::Result<Value> {
    let got = resp.status().as_u16();
    let text = resp.text().await?;
    if got != status {
        bail!("expected HTTP {status}, got {got}: {text}");
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The texts of the messages written to `outbox` since `since`, oldest first: the notify step
/// works behind the others, so it is given a few seconds to catch up (paid, approved, issued).
async fn told(outbox: &std::path::Path, since: std::time::SystemTime) -> Vec<String> {
    let mut found = Vec::new();
    for _ in 0..50 {
        found = std::fs::read_dir(outbox)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|f| !f.file_name().to_string_lossy().starts_with('.'))
            .filter_map(|f| {
                let at = f.metadata().ok()?.modified().ok()?;
                let text = std::fs::read_to_string(f.path()).ok()?;
                let (_, body) = text.split_once("\n\n")?;
                (at >= since).then(|| (at, body.trim().to_owned()))
            })
            .collect::<Vec<_>>();
        if found.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    found.sort();
    found.into_iter().map(|(_, text)| text).collect()
}

impl Demo {
    /// Runs the walk-through; returns the path of the downloaded PDF.
    pub async fn run(&self) -> anyhow::Result<PathBuf> {
        let started = std::time::SystemTime::now();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        let b = &self.base;
        let citizen_sub = format!(
            "demo-citizen-{}",
            ulid::Ulid::new().to_string().to_lowercase()
        );
        let citizen = crate::token::mint(
            &self.auth,
            "applicant",
            None,
            &citizen_sub,
            None,
            time::Duration::hours(1),
            time::OffsetDateTime::now_utc(),
        )?
        .token;

        step(
            1,
            "A citizen born in Bamako asks for bulletin n°3 (POST /v1/applications)",
        );
        let created = expect(
            http.post(format!("{b}/v1/applications"))
                .bearer_auth(&citizen)
                .header("idempotency-key", ulid::Ulid::new().to_string())
                .json(&json!({
                    "kind": "criminal_record_extract",
                    "applicant": {
                        "surname": "Traoré", "given_names": "Aminata Fatoumata", "birth_date": "1990-04-12",
                        "birth_place": "Bamako", "father_name": "Sékou Traoré", "mother_name": "Mariam Keïta",
                        "phone": "+22370000000"
                    },
                    "details": { "purpose": "Dossier de recrutement" }
                }))
                .send()
                .await?,
            201,
        )
        .await?;
        let id = created["id"].as_str().context("no id")?.to_owned();
        let office = created["office"].as_str().context("no office")?.to_owned();
        println!(
            "    application {id}: {} at {}, fee {} {}, to pay with reference {}",
            said(&created["status"]),
            said(&created["office_name"]),
            said(&created["fee"]["amount"]),
            said(&created["fee"]["currency"]),
            said(&created["payment_reference"])
        );

        step(
            2,
            "The sandbox payment provider confirms 750 XOF (signed webhook)",
        );
        let notice = serde_json::to_vec(&json!({
            "provider_txn": format!("demo-{}", ulid::Ulid::new()),
            "payment_reference": created["payment_reference"],
            "amount": 750, "currency": "XOF", "status": "succeeded"
        }))?;
        let signature = sign(
            self.payment_secret.expose_secret().as_bytes(),
            "sandbox",
            &notice,
            time::OffsetDateTime::now_utc().unix_timestamp(),
        );
        let ack = expect(
            http.post(format!("{b}/v1/payments/webhook/sandbox"))
                .header("content-type", "application/json")
                .header("guichet-signature", signature)
                .body(notice)
                .send()
                .await?,
            200,
        )
        .await?;
        println!("    payment {}", said(&ack["outcome"]));

        step(
            3,
            &format!("A clerk of {office} opens the work queue (GET /v1/work)"),
        );
        let clerk = crate::token::mint(
            &self.auth,
            "clerk",
            Some(&office),
            "demo-clerk",
            Some("Awa Diallo"),
            time::Duration::hours(1),
            time::OffsetDateTime::now_utc(),
        )?
        .token;
        let queue = expect(
            http.get(format!("{b}/v1/work?office={office}"))
                .bearer_auth(&clerk)
                .send()
                .await?,
            200,
        )
        .await?;
        let waiting = queue["items"].as_array().map(Vec::len).unwrap_or(0);
        println!("    {waiting} application(s) waiting in review");

        step(
            4,
            "The clerk finds no conviction and approves: \"Néant\" (POST …/decision)",
        );
        let decided = expect(
            http.post(format!("{b}/v1/applications/{id}/decision"))
                .bearer_auth(&clerk)
                .json(&json!({ "decision": "approve", "record": { "convictions": [] } }))
                .send()
                .await?,
            200,
        )
        .await?;
        println!("    status {}", said(&decided["status"]));

        step(5, "The issue step makes the sealed PDF (queue consumer)");
        let mut issued = Value::Null;
        for _ in 0..100 {
            issued = expect(
                http.get(format!("{b}/v1/applications/{id}"))
                    .bearer_auth(&citizen)
                    .send()
                    .await?,
                200,
            )
            .await?;
            if issued["status"] == "issued" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if issued["status"] != "issued" {
            bail!("not issued after 10 s: {issued}");
        }
        let number = issued["document"]["number"]
            .as_str()
            .context("no document number")?
            .to_owned();
        let code = said(&issued["document"]["verification_code"]);
        println!(
            "    issued as {number} on {}, valid until {}",
            day(&issued["document"]["issued_at"]),
            day(&issued["document"]["expires_at"])
        );
        println!("    its verification code, printed beside the number: {code}");

        step(6, "The citizen downloads the extract (GET …/document)");
        let resp = http
            .get(format!("{b}/v1/applications/{id}/document"))
            .bearer_auth(&citizen)
            .send()
            .await?;
        if resp.status() != 200 {
            bail!("download failed: HTTP {}", resp.status());
        }
        let pdf = resp.bytes().await?;
        std::fs::create_dir_all(&self.out_dir)?;
        let path = self.out_dir.join(format!("extrait-{number}.pdf"));
        std::fs::write(&path, &pdf)?;
        println!("    {} bytes written to {}", pdf.len(), path.display());

        step(
            7,
            "An employer checks the number with its code and the file (POST /v1/verify)",
        );
        let alone = expect(
            http.get(format!("{b}/v1/verify/{number}")).send().await?,
            200,
        )
        .await?;
        let by_number = expect(
            http.post(format!("{b}/v1/verify"))
                .json(&json!({ "number": number, "code": code }))
                .send()
                .await?,
            200,
        )
        .await?;
        println!(
            "    the number alone: {} (numbers are sequential: alone, they say nothing)",
            said(&alone["status"]),
        );
        println!(
            "    number and code: {}, {}, born {}",
            said(&by_number["status"]),
            said(&by_number["holder"]["initials"]),
            said(&by_number["holder"]["birth_date"])
        );
        let by_file = expect(
            http.post(format!("{b}/v1/verify"))
                .header("content-type", "application/pdf")
                .body(pdf.to_vec())
                .send()
                .await?,
            200,
        )
        .await?;
        println!(
            "    by file: {}, seal signature {}, identical to the issued file: {}",
            said(&by_file["status"]),
            said(&by_file["signature"]),
            if by_file["identical_file"] == true {
                "yes"
            } else {
                "no"
            }
        );
        if by_number["status"] != "valid" || by_file["identical_file"] != true {
            bail!("verification did not confirm the document");
        }

        step(8, "The same in a browser, and what the citizen was told");
        let seal = guichet_scan::pdf_codes(&pdf)
            .iter()
            .find_map(|code| guichet_core::domain::seal_in_code(code))
            .context("the PDF carries no seal")?;
        println!(
            "    the verify page checks the seal on this device (offline once opened): {}",
            guichet_core::domain::seal_link(&format!("{b}/verifier"), &seal)
        );
        match &self.dev_key {
            Some(key) => println!(
                "    the portal: {b}/#dev-key={key} (development sign-in as {citizen_sub}); the officers' console: {b}/console#dev-key={key}"
            ),
            None => println!(
                "    the portal: {b}/ (development sign-in as {citizen_sub}, with the key `guichet serve` printed); the officers' console: {b}/console"
            ),
        }
        if let Some(outbox) = &self.outbox {
            let told = told(outbox, started).await;
            println!(
                "    {} SMS to the citizen in {}, French then English:",
                told.len(),
                outbox.display()
            );
            for text in told {
                println!("      {text}");
            }
        }
        println!(
            "\nDone: open {} to see the extract and its QR seal.",
            path.display()
        );
        Ok(path)
    }
}
