//! 500 applications go through `guichet serve` while it is killed (SIGKILL) at random moments and
//! restarted. Clients retry as real ones do (same Idempotency-Key, same provider transaction).
//! Afterwards every application is paid once and issued once, and no document number is used twice.

use crate::harness::*;
use guichet::domain::{ApplicationId, EventKind, Provider, Status};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const APPLICATIONS: usize = 500;
const WORKERS: usize = 16;

/// xorshift64*: reproducible kill timings from a printed seed (`GUICHET_FAULT_SEED` replays one).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn millis(&mut self, from: u64, to: u64) -> Duration {
        Duration::from_millis(from + self.next() % (to - from))
    }
}

/// What one client does for application `i`: submit, pay, get it approved, retrying through
/// every outage.
struct Client1 {
    http: Client,
    base: String,
    clerk: String,
    server: Arc<Tokens>,
}

/// Secrets read once from the data directory (they never change across restarts).
struct Tokens {
    citizen: String,
    payment_secret: Vec<u8>,
}

/// Retries a request until it gets an answer that is not an outage (no connection, cut
/// connection, 5xx). Returns the status and body.
async fn until_answered(
    retries: &AtomicUsize,
    send: impl Fn() -> reqwest::RequestBuilder,
) -> (StatusCode, Value) {
    let started = Instant::now();
    loop {
        match send().send().await {
            Ok(r) if !r.status().is_server_error() => {
                let status = r.status();
                let body = r.json().await.unwrap_or(Value::Null);
                return (status, body);
            }
            _ => {
                retries.fetch_add(1, Ordering::Relaxed);
                assert!(
                    started.elapsed() < Duration::from_secs(120),
                    "the service never came back"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Names take letters only: 0 → "Aa", 27 → "Bb"…
fn letters(i: usize) -> String {
    let upper = (b'A' + (i / 26 % 26) as u8) as char;
    let lower = (b'a' + (i % 26) as u8) as char;
    format!("{upper}{lower}ssa")
}

impl Client1 {
    async fn walk(&self, i: usize, retries: &AtomicUsize) -> String {
        let request = json!({
            "kind": "criminal_record_extract",
            "applicant": { "surname": "Keïta", "given_names": letters(i),
                           "birth_date": "1990-04-12", "birth_place": "Bamako" },
        });
        let key = format!("fault-{i}");
        let (status, created) = until_answered(retries, || {
            self.http
                .post(format!("{}/v1/applications", self.base))
                .bearer_auth(&self.server.citizen)
                .header("idempotency-key", &key)
                .json(&request)
        })
        .await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_str().unwrap().to_owned();

        let notice = serde_json::to_vec(&json!({
            "provider_txn": format!("fault-txn-{i}"),
            "payment_reference": created["payment_reference"],
            "amount": 750, "currency": "XOF", "status": "succeeded"
        }))
        .unwrap();
        let (status, ack) = until_answered(retries, || {
            let t = time::OffsetDateTime::now_utc().unix_timestamp();
            self.http
                .post(format!("{}/v1/payments/webhook/sandbox", self.base))
                .header("content-type", "application/json")
                .header(
                    "guichet-signature",
                    guichet::usecases::payment::sign(&self.server.payment_secret, &notice, t),
                )
                .body(notice.clone())
        })
        .await;
        assert_eq!(status, 200, "{ack}");

        let decision = json!({ "decision": "approve", "record": { "convictions": [] } });
        loop {
            let (status, body) = until_answered(retries, || {
                self.http
                    .post(format!("{}/v1/applications/{id}/decision", self.base))
                    .bearer_auth(&self.clerk)
                    .json(&decision)
            })
            .await;
            match status.as_u16() {
                200 => break,
                // Our earlier approval went through and its answer was lost with the process.
                409 => {
                    let (_, view) = until_answered(retries, || {
                        self.http
                            .get(format!("{}/v1/applications/{id}", self.base))
                            .bearer_auth(&self.clerk)
                    })
                    .await;
                    if matches!(view["status"].as_str(), Some("approved" | "issued")) {
                        break;
                    }
                }
                other => panic!("approving {id}: {other} {body}"),
            }
        }
        id
    }
}

async fn waiting(http: &Client, base: &str, clerk: &str, status: &str) -> Option<usize> {
    let r = http
        .get(format!(
            "{base}/v1/work?office={BAMAKO_REGISTRY}&status={status}"
        ))
        .bearer_auth(clerk)
        .send()
        .await
        .ok()?;
    let body: Value = r.json().await.ok()?;
    body["items"].as_array().map(Vec::len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_applications_survive_random_sigkills() {
    let seed = std::env::var("GUICHET_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    println!("fault seed {seed} (GUICHET_FAULT_SEED={seed} replays these kill timings)");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    // A stuck approval (killed between its write and its queue message) is asked again after 3 s.
    let mut server = Server::new(
        dir.path(),
        &[
            ("GUICHET_REDRIVE_AFTER_SECONDS", "3"),
            ("GUICHET_RECONCILE_EVERY_SECONDS", "1"),
        ],
    );
    server.start().await;
    let tokens = Arc::new(Tokens {
        citizen: server.token("applicant", None, "citizen-faults"),
        payment_secret: guichet::local::payment_secret(&server.config()).unwrap(),
    });
    let clerk = server.clerk();
    let retries = Arc::new(AtomicUsize::new(0));
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..WORKERS {
        let client = Client1 {
            http: Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
            base: server.base.clone(),
            clerk: clerk.clone(),
            server: tokens.clone(),
        };
        let (next, retries) = (next.clone(), retries.clone());
        workers.spawn(async move {
            let mut ids = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= APPLICATIONS {
                    return ids;
                }
                ids.push((i, client.walk(i, &retries).await));
            }
        });
    }

    // Kill and restart while clients work and while the queue drains.
    let http = Client::new();
    let started = Instant::now();
    let mut kills = 0;
    let mut ids = Vec::new();
    loop {
        tokio::time::sleep(rng.millis(50, 400)).await;
        while let Some(done) = workers.try_join_next() {
            ids.extend(done.unwrap());
        }
        if workers.is_empty() {
            break;
        }
        server.kill();
        kills += 1;
        tokio::time::sleep(rng.millis(0, 200)).await;
        server.start().await;
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "500 applications did not get through in 5 minutes"
        );
    }
    let clients_done_after = started.elapsed();
    // A few more kills while issuance drains, then let it finish.
    let mut drain_kills = 0;
    loop {
        let left = waiting(&http, &server.base, &clerk, "approved").await;
        if left == Some(0) {
            break;
        }
        if drain_kills < 10 {
            tokio::time::sleep(rng.millis(100, 800)).await;
            server.kill();
            drain_kills += 1;
            server.start().await;
        } else {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(
            started.elapsed() < Duration::from_secs(420),
            "applications still approved without a document: {left:?}"
        );
    }
    server.kill();
    assert!(kills + drain_kills >= 8, "too few faults to mean anything");

    // The store itself, read after the last kill.
    let backend = guichet::local::open(server.config()).unwrap();
    let ctx = backend.context;
    assert_eq!(ids.len(), APPLICATIONS);
    assert_eq!(
        ids.iter().map(|(_, id)| id).collect::<HashSet<_>>().len(),
        APPLICATIONS
    );
    // A retried submission made no second application.
    let subject = guichet::domain::Subject::parse("citizen-faults").unwrap();
    let all = ctx
        .applications
        .list_by_subject(&subject, 10 * APPLICATIONS)
        .await
        .unwrap();
    assert_eq!(
        all.len(),
        APPLICATIONS,
        "one application per idempotency key"
    );
    let mut numbers = HashSet::new();
    for (i, id) in &ids {
        let id: ApplicationId = id.parse().unwrap();
        let app = ctx.applications.get(id).await.unwrap().unwrap();
        assert_eq!(app.status(), Status::Issued, "{id}");
        let history = ctx.applications.history(id).await.unwrap();
        let moves: Vec<Status> = history
            .iter()
            .filter(|e| e.change.event == EventKind::Transition)
            .map(|e| e.change.to)
            .collect();
        assert_eq!(
            moves,
            [Status::InReview, Status::Approved, Status::Issued],
            "{id}: paid once, approved once, issued once"
        );
        let number = app.document.as_ref().unwrap().number;
        assert!(numbers.insert(number), "{number} used twice");
        let doc = ctx.documents.document(&number).await.unwrap().unwrap();
        assert_eq!(doc.application_id, id);
        let pdf = ctx.blobs.get(&doc.object_key).await.unwrap().unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let payment = ctx
            .payments
            .payment(Provider::Sandbox, &format!("fault-txn-{i}"))
            .await
            .unwrap();
        let payment = payment.unwrap_or_else(|| panic!("payment fault-txn-{i} lost"));
        assert_eq!(payment.application_id, Some(id));
    }
    let log = std::fs::read_to_string(&server.log).unwrap();
    let redriven = log.matches("issuance asked again").count();
    println!(
        "faults: {APPLICATIONS} applications, {} SIGKILLs ({kills} while clients worked, \
         {drain_kills} while issuing), {} retried requests; clients done in {:.1} s, all issued \
         in {:.1} s; {} distinct document numbers; {redriven} approvals re-driven by reconcile",
        kills + drain_kills,
        retries.load(Ordering::Relaxed),
        clients_done_after.as_secs_f64(),
        started.elapsed().as_secs_f64(),
        numbers.len()
    );
}
