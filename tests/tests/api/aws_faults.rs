//! The AWS adapters when AWS misbehaves: `guichet serve` on DynamoDB, S3 and SQS (moto), every
//! call through a proxy that throttles, answers 500 after doing the work, or answers too late.
//! Afterwards every application is paid once and issued once with its own number.

use crate::helpers::*;
use guichet_cli::settings::{BackendChoice, Settings};
use guichet_cli::walk::{Walker, check};
use guichet_core::domain::Subject;
use guichet_core::ports::SystemClock;
use guichet_core::settings::Env;
use guichet_tests::fault_proxy::FaultProxy;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const APPLICATIONS: usize = 60;
const WORKERS: usize = 8;
/// Of every AWS call, this share (percent) meets a fault.
const FAULT_RATE: u64 = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applications_survive_throttling_errors_and_timeouts_on_aws() {
    let emulator = guichet_tests::moto::emulator();
    let (direct, resources) = emulator.provision().await;
    // An attempt gives up after 1.5 s (longer than the pump's 1 s long poll); late answers take 2 s.
    let proxy = FaultProxy::start(&emulator.endpoint, Duration::from_secs(2)).await;
    let through_proxy = emulator
        .sdk_config_via(&proxy.endpoint, Duration::from_millis(1500))
        .await;

    let dir = tempfile::tempdir().unwrap();
    // The default re-drive settings: nothing here may wait for the reconcile step.
    let mut settings = Settings::read(&Env::empty()).unwrap();
    settings.backend = BackendChoice::Aws(Box::new(resources.clone()));
    settings.http.rate_limits = guichet_http::limits::RateLimits::unlimited();
    settings.payments.secret = Some(secret(PAYMENT_SECRET));
    settings.http.tokens.secret = Some(TOKEN_SECRET.into());
    let backend = guichet_cli::backend::open_aws(&settings, &resources, through_proxy)
        .await
        .unwrap();
    let app = serve_backend(backend, &settings, Arc::new(SystemClock), dir).await;
    proxy.set_fault_rate(FAULT_RATE);

    let walker = Arc::new(Walker {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        base: app.base.clone(),
        citizen_token: app.citizen("citizen-aws-faults"),
        clerk_token: app.clerk(BAMAKO_REGISTRY),
        payment_secret: PAYMENT_SECRET.to_vec(),
        run: "aws-faults".into(),
        patience: Duration::from_secs(120),
        retries: AtomicUsize::new(0),
    });
    let started = Instant::now();
    let walked: Vec<(usize, String)> = walker
        .spawn(APPLICATIONS, WORKERS)
        .join_all()
        .await
        .into_iter()
        .flat_map(Result::unwrap)
        .collect();
    let clients_done_after = started.elapsed();
    // The last fault: from here the queue keeps moving. The longest it may stand still is what a
    // fault can hide a message for, the queue's visibility timeout (a receive whose answer was
    // lost, an issue that failed), with a wide margin; a busy machine makes the drain slower,
    // not red.
    proxy.set_fault_rate(0);
    let stall = Duration::from_secs(6 * guichet_cli::serve::SQS_VISIBILITY_SECONDS as u64);
    let drained = walker
        .drained(BAMAKO_REGISTRY, stall)
        .await
        .unwrap_or_else(|e| panic!("after the last fault: {e:#}"));
    app.server.stop();
    let faults = proxy.counts();

    // The tables and bucket themselves, read straight from the emulator.
    let ctx = guichet_cli::backend::open_aws(&settings, &resources, direct)
        .await
        .unwrap();
    let citizen = Subject::parse("citizen-aws-faults").unwrap();
    let outcome = check(&ctx, &walker, &citizen, &walked).await.unwrap();
    assert_eq!(outcome.applications, APPLICATIONS);
    assert!(
        faults.throttled > 0 && faults.error_after_work > 0 && faults.late > 0,
        "{faults:?}"
    );
    println!(
        "aws faults: {APPLICATIONS} applications; {} of {} AWS calls faulted ({} throttled, {} \
         500 after the work, {} answered too late); {} HTTP requests retried by clients; clients \
         done in {:.1} s, all issued in {:.1} s, the last {:.1} s after the last fault (the queue \
         stood still {:.1} s at most); {} distinct document numbers",
        faults.injected(),
        faults.injected() + faults.clean,
        faults.throttled,
        faults.error_after_work,
        faults.late,
        walker.retries.load(Ordering::Relaxed),
        clients_done_after.as_secs_f64(),
        started.elapsed().as_secs_f64(),
        drained.after.as_secs_f64(),
        drained.longest_stall.as_secs_f64(),
        outcome.distinct_numbers
    );
}
