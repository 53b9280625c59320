//! SIGTERM stops `guichet serve` as Ctrl-C does: it stops taking requests, finishes the
//! documents it is issuing, and exits 0, leaving nothing cut off for the next start.

use crate::harness::*;
use guichet_cli::walk::Walker;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

#[tokio::test]
async fn sigterm_finishes_the_documents_being_issued_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::new(dir.path(), &[]);
    server.start().await;
    let walker = Walker {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        base: server.base.clone(),
        citizen_token: server.token("applicant", None, "citizen-stop"),
        clerk_token: server.clerk(),
        payment_secret: server.payment_secret(),
        run: "sigterm".into(),
        patience: Duration::from_secs(10),
        retries: AtomicUsize::new(0),
    };
    // Approvals the pump takes two at a time: some are being issued when the signal comes.
    for i in 0..6 {
        walker.walk(i).await.unwrap();
    }
    let status = server.terminate();
    let log = std::fs::read_to_string(&server.log).unwrap();
    assert!(status.success(), "exit status {status}:\n{log}");
    assert!(log.contains("stopping (SIGTERM)"), "{log}");
    assert!(log.contains("stopped"), "{log}");

    // Nothing was cut off: the next start takes back no delivery in flight, and every
    // approval is issued.
    server.start().await;
    walker
        .drained(BAMAKO_REGISTRY, 2 * guichet_cli::serve::VISIBILITY)
        .await
        .unwrap();
    let log = std::fs::read_to_string(&server.log).unwrap();
    assert!(
        !log.contains("messages in flight at the last stop"),
        "a delivery was cut off by SIGTERM:\n{log}"
    );
    server.kill();
}
