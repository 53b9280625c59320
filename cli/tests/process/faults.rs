//! 500 applications go through `guichet serve` while it is killed (SIGKILL) at random moments and
//! restarted. Afterwards every application is paid once and issued once, and no document number
//! is used twice (`guichet_cli::walk::check`).

use crate::harness::*;
use guichet_cli::walk::{Rng, Walker, check};
use guichet_core::domain::Subject;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const APPLICATIONS: usize = 500;
const WORKERS: usize = 16;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_applications_survive_random_sigkills() {
    let mut rng = Rng::seeded();
    let dir = tempfile::tempdir().unwrap();
    // The default re-drive settings (15 minutes): an approval's message is written with it, so
    // no kill can leave one waiting for the reconcile step.
    let mut server = Server::new(
        dir.path(),
        &[
            // One very busy citizen.
            ("GUICHET_SUBMIT_PER_HOUR", "100000"),
        ],
    );
    server.start().await;
    let walker = Arc::new(Walker {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap(),
        base: server.base.clone(),
        citizen_token: server.token("applicant", None, "citizen-faults"),
        clerk_token: server.clerk(),
        payment_secret: server.payment_secret(),
        run: "sigkill".into(),
        patience: Duration::from_secs(120),
        retries: AtomicUsize::new(0),
    });
    let mut clients = walker.spawn(APPLICATIONS, WORKERS);

    // Kill and restart while clients work… (each request of a walk gives up after `patience`
    // without an answer, and so does an approval refused as not yet reviewable: this ends
    // whatever the machine's speed).
    let started = Instant::now();
    let mut kills = 0;
    let mut walked = Vec::new();
    loop {
        tokio::time::sleep(rng.millis(50, 400)).await;
        while let Some(done) = clients.try_join_next() {
            walked.extend(done.unwrap().unwrap());
        }
        if clients.is_empty() {
            break;
        }
        server.kill();
        kills += 1;
        tokio::time::sleep(rng.millis(0, 200)).await;
        server.start().await;
    }
    let clients_done_after = started.elapsed();
    // …and while the queue drains.
    let mut drain_kills = 0;
    while drain_kills < 10 && walker.waiting(BAMAKO_REGISTRY, "approved").await != Some(0) {
        tokio::time::sleep(rng.millis(100, 800)).await;
        server.kill();
        drain_kills += 1;
        server.start().await;
    }
    // From the last restart on the queue keeps moving: the longest it may stand still is twice
    // the time a delivery stays hidden while worked on (a restart takes back what was in
    // flight at once; a failed one comes back within 32 s). A busy machine makes the drain
    // slower, not red.
    let stall = 2 * guichet_cli::serve::VISIBILITY;
    let drained = match walker.drained(BAMAKO_REGISTRY, stall).await {
        Ok(d) => d,
        Err(e) => {
            let log = std::fs::read_to_string(&server.log).unwrap_or_default();
            let _ = std::fs::copy(&server.log, std::env::temp_dir().join("guichet-faults.log"));
            panic!(
                "after the last restart: {e:#} ({} messages moved to the dead letters; the log: {})",
                log.matches("message moved to dead letters").count(),
                std::env::temp_dir().join("guichet-faults.log").display()
            );
        }
    };
    server.kill();
    assert!(kills + drain_kills >= 8, "too few faults to mean anything");

    // The store itself, read after the last kill.
    let ctx = guichet_cli::backend::open_local(&server.settings())
        .await
        .unwrap();
    let citizen = Subject::parse("citizen-faults").unwrap();
    let outcome = check(&ctx, &walker, &citizen, &walked).await.unwrap();
    assert_eq!(outcome.applications, APPLICATIONS);
    let log = std::fs::read_to_string(&server.log).unwrap();
    println!(
        "faults: {APPLICATIONS} applications, {} SIGKILLs ({kills} while clients worked, \
         {drain_kills} while issuing), {} retried requests; clients done in {:.1} s, all issued \
         in {:.1} s, the last {:.1} s after the last restart (the queue stood still {:.1} s at \
         most); {} distinct document numbers; {} approvals re-driven by reconcile",
        kills + drain_kills,
        walker.retries.load(Ordering::Relaxed),
        clients_done_after.as_secs_f64(),
        started.elapsed().as_secs_f64(),
        drained.after.as_secs_f64(),
        drained.longest_stall.as_secs_f64(),
        outcome.distinct_numbers,
        log.matches("issuance asked again").count()
    );
}
