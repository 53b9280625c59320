//! Many applications walked through a running service — submitted, paid, approved — by clients
//! that retry through outages as real ones do: the same `Idempotency-Key`, the same provider
//! transaction, and an approval whose answer was lost is looked up rather than repeated. Then
//! `check` reads the store and says whether anything was lost or done twice. The fault-injection
//! tests drive `guichet serve` with it while killing it, or while its AWS calls fail.

use crate::backend::Backend;
use anyhow::{Context as _, bail, ensure};
use guichet_core::domain::{ApplicationId, EntryKind, Provider, Status, Subject};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// Who walks: one citizen (`citizen_subject`) applying many times, the sandbox payment
/// provider, and a clerk of the office the applications go to.
pub struct Walker {
    pub http: reqwest::Client,
    pub base: String,
    pub citizen_token: String,
    pub clerk_token: String,
    pub payment_secret: Vec<u8>,
    /// Names the idempotency keys and transactions, so two walks never collide.
    pub run: String,
    /// How long one request may keep failing before the walk gives up.
    pub patience: Duration,
    /// Requests that met an outage and were sent again.
    pub retries: AtomicUsize,
}

/// Given names take letters only: 0 → "Aassa", 27 → "Bbssa".
fn given_names(i: usize) -> String {
    let upper = (b'A' + (i / 26 % 26) as u8) as char;
    let lower = (b'a' + (i % 26) as u8) as char;
    format!("{upper}{lower}ssa")
}

impl Walker {
    pub fn provider_txn(&self, i: usize) -> String {
        format!("{}-txn-{i}", self.run)
    }

    /// Sends until the answer is not an outage (no connection, a cut one, a timeout, a 5xx).
    async fn answered(
        &self,
        send: impl Fn() -> reqwest::RequestBuilder,
    ) -> anyhow::Result<(StatusCode, Value)> {
        let started = Instant::now();
        loop {
            match send().send().await {
                Ok(r) if !r.status().is_server_error() => {
                    let status = r.status();
                    let body = r.json().await.unwrap_or(Value::Null);
                    return Ok((status, body));
                }
                _ => {
                    self.retries.fetch_add(1, Ordering::Relaxed);
                    ensure!(
                        started.elapsed() < self.patience,
                        "the service did not come back within {:?}",
                        self.patience
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    /// Application `i`, from submission to approval. Returns its id.
    pub async fn walk(&self, i: usize) -> anyhow::Result<String> {
        let request = json!({
            "kind": "criminal_record_extract",
            "applicant": { "surname": "Keïta", "given_names": given_names(i),
                           "birth_date": "1990-04-12", "birth_place": "Bamako" },
        });
        let key = format!("{}-{i}", self.run);
        let (status, created) = self
            .answered(|| {
                self.http
                    .post(format!("{}/v1/applications", self.base))
                    .bearer_auth(&self.citizen_token)
                    .header("idempotency-key", &key)
                    .json(&request)
            })
            .await?;
        ensure!(status == 201, "submitting {i}: {status} {created}");
        let id = created["id"].as_str().context("no id")?.to_owned();

        let notice = serde_json::to_vec(&json!({
            "provider_txn": self.provider_txn(i),
            "payment_reference": created["payment_reference"],
            "amount": 750, "currency": "XOF", "status": "succeeded"
        }))?;
        let (status, ack) = self
            .answered(|| {
                let t = time::OffsetDateTime::now_utc().unix_timestamp();
                self.http
                    .post(format!("{}/v1/payments/webhook/sandbox", self.base))
                    .header("content-type", "application/json")
                    .header(
                        "guichet-signature",
                        guichet_payments::sign(&self.payment_secret, "sandbox", &notice, t),
                    )
                    .body(notice.clone())
            })
            .await?;
        ensure!(status == 200, "paying {id}: {status} {ack}");

        let decision = json!({ "decision": "approve", "record": { "convictions": [] } });
        let asked = Instant::now();
        loop {
            let (status, body) = self
                .answered(|| {
                    self.http
                        .post(format!("{}/v1/applications/{id}/decision", self.base))
                        .bearer_auth(&self.clerk_token)
                        .json(&decision)
                })
                .await?;
            match status.as_u16() {
                200 => return Ok(id),
                // An earlier approval went through and its answer was lost on the way back.
                409 => {
                    let (_, view) = self
                        .answered(|| {
                            self.http
                                .get(format!("{}/v1/applications/{id}", self.base))
                                .bearer_auth(&self.clerk_token)
                        })
                        .await?;
                    if matches!(view["status"].as_str(), Some("approved" | "issued")) {
                        return Ok(id);
                    }
                    // Not reviewable yet (its payment still being recorded): ask again, within
                    // the walk's patience.
                    ensure!(
                        asked.elapsed() < self.patience,
                        "approving {id}: 409 for {} s, the application {}",
                        self.patience.as_secs(),
                        view["status"]
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                other => bail!("approving {id}: {other} {body}"),
            }
        }
    }

    /// Walks applications `0..count` on `workers` concurrent clients; each client returns the
    /// (index, id) pairs it walked.
    pub fn spawn(
        self: &Arc<Self>,
        count: usize,
        workers: usize,
    ) -> JoinSet<anyhow::Result<Vec<(usize, String)>>> {
        let next = Arc::new(AtomicUsize::new(0));
        let mut set = JoinSet::new();
        for _ in 0..workers {
            let (walker, next) = (self.clone(), next.clone());
            set.spawn(async move {
                let mut walked = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= count {
                        return Ok(walked);
                    }
                    walked.push((i, walker.walk(i).await?));
                }
            });
        }
        set
    }

    /// How many applications of the office wait in `status`, or `None` during an outage.
    pub async fn waiting(&self, office: &str, status: &str) -> Option<usize> {
        self.waiting_ids(office, status).await.map(|ids| ids.len())
    }

    /// The applications of the office waiting in `status` (the queue's first page, oldest
    /// first), or `None` during an outage.
    async fn waiting_ids(&self, office: &str, status: &str) -> Option<Vec<String>> {
        let r = self
            .http
            .get(format!(
                "{}/v1/work?office={office}&status={status}",
                self.base
            ))
            .bearer_auth(&self.clerk_token)
            .send()
            .await
            .ok()?;
        let body: Value = r.json().await.ok()?;
        // An item without an id is an answer we cannot read: no answer, not an empty queue.
        body["items"].as_array().and_then(|items| {
            items
                .iter()
                .map(|a| a["id"].as_str().map(str::to_owned))
                .collect()
        })
    }

    /// Waits until no approval of the office waits for its document. It fails only when the
    /// queue did not move for `stall`: a bound on progress, not on the whole drain, so a busy
    /// machine makes it slower but not red, while a lost or stuck approval still fails it.
    pub async fn drained(&self, office: &str, stall: Duration) -> anyhow::Result<Drained> {
        let started = Instant::now();
        let mut moved = started;
        let mut longest_stall = Duration::ZERO;
        let mut seen: Option<Vec<String>> = None;
        loop {
            let now = self.waiting_ids(office, "approved").await;
            if now.as_ref().is_some_and(Vec::is_empty) {
                longest_stall = longest_stall.max(moved.elapsed());
                return Ok(Drained {
                    after: started.elapsed(),
                    longest_stall,
                });
            }
            if now.is_some() && now != seen {
                longest_stall = longest_stall.max(moved.elapsed());
                moved = Instant::now();
                seen = now;
            }
            ensure!(
                moved.elapsed() < stall,
                "approvals still without a document, none issued for {} s: {:?}",
                stall.as_secs(),
                seen.as_ref().map(Vec::len)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// How an office's approvals drained: how long it took, and the longest the queue stood still.
#[derive(Debug, Clone, Copy)]
pub struct Drained {
    pub after: Duration,
    pub longest_stall: Duration,
}

/// What the store says after a walk.
#[derive(Debug)]
pub struct Outcome {
    pub applications: usize,
    pub distinct_numbers: usize,
}

/// Reads the store behind `ctx`: exactly one application per walked index, each paid once
/// (its transaction recorded and linked to it), approved once and issued once, with its own
/// document number, registered and stored.
pub async fn check(
    ctx: &Backend,
    walker: &Walker,
    citizen: &Subject,
    walked: &[(usize, String)],
) -> anyhow::Result<Outcome> {
    let all = ctx
        .applications
        .list_by_subject(citizen, None, 10 * walked.len() + 10)
        .await?;
    ensure!(
        all.len() == walked.len(),
        "{} applications for {} walked: a retried submission made a second one",
        all.len(),
        walked.len()
    );
    let mut numbers = HashSet::new();
    for (i, id) in walked {
        let id: ApplicationId = id.parse().map_err(|_| anyhow::anyhow!("bad id {id}"))?;
        let app = ctx
            .applications
            .get(id)
            .await?
            .context("application lost")?;
        ensure!(app.status() == Status::Issued, "{id} is {}", app.status());
        let history = ctx.applications.history(id).await?;
        guichet_core::audit::verify_trail(&app, &history)
            .map_err(|e| anyhow::anyhow!("{id}: audit trail broken: {e}"))?;
        let moves: Vec<Status> = history
            .iter()
            .filter(|e| e.change.event == EntryKind::Transition)
            .map(|e| e.change.to)
            .collect();
        ensure!(
            moves == [Status::InReview, Status::Approved, Status::Issued],
            "{id} moved {moves:?}: not paid, approved and issued exactly once"
        );
        let number = app
            .document
            .as_ref()
            .context("issued without a number")?
            .number;
        ensure!(numbers.insert(number), "{number} used twice");
        let doc = ctx
            .documents
            .document(&number)
            .await?
            .context("number not registered")?;
        ensure!(doc.application_id == id, "{number} registered to another");
        let pdf = ctx.blobs.get(&doc.object_key).await?.context("PDF lost")?;
        ensure!(pdf.starts_with(b"%PDF-"), "{number}: not a PDF");
        let payment = ctx
            .payments
            .payment(Provider::Sandbox, &walker.provider_txn(*i))
            .await?
            .context("payment lost")?;
        ensure!(
            payment.application_id == Some(id),
            "payment of {id} not linked"
        );
    }
    Ok(Outcome {
        applications: walked.len(),
        distinct_numbers: numbers.len(),
    })
}

/// xorshift64*: fault timings reproducible from a printed seed (`GUICHET_FAULT_SEED` replays one).
pub struct Rng(u64);

impl Rng {
    pub fn seeded() -> Rng {
        let seed = std::env::var("GUICHET_FAULT_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(0x9E37_79B9_7F4A_7C15)
            })
            | 1;
        println!("fault seed {seed} (GUICHET_FAULT_SEED={seed} replays it)");
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn millis(&mut self, from: u64, to: u64) -> Duration {
        Duration::from_millis(from + self.next_u64() % (to - from).max(1))
    }

    /// True `percent` times in a hundred.
    pub fn percent(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}
