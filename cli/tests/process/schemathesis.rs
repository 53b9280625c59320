//! Schemathesis against `guichet serve`: test cases generated from `/v1/openapi.json`, sent to the
//! real process. No answer may be a 5xx, and every answer must match what the document says
//! (status, content type, headers, body schema). Requests the schema allows but the domain
//! refuses (a name with digits, a date in the future) are answered 422 by design, so the
//! "schema-valid request accepted" check is left out.

use crate::harness::*;
use std::process::Command;

fn schemathesis() -> String {
    let out = Command::new("bash")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../scripts/schemathesis.sh"
        ))
        .output()
        .expect("bash runs scripts/schemathesis.sh");
    assert!(
        out.status.success(),
        "installing schemathesis failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Runs one schemathesis pass with `token`; returns how many cases it generated.
fn run(st: &str, server: &Server, token: &str, filter: &[&str], dir: &std::path::Path) -> u64 {
    // A creating request without its Idempotency-Key is refused with 428 (Precondition
    // Required), which RFC 6585 made for exactly this; schemathesis expects a 4xx of its own list.
    std::fs::write(
        dir.join("schemathesis.toml"),
        "[checks.missing_required_header]\nexpected-statuses = [\"400\", \"401\", \"403\", \"406\", \"415\", \"422\", \"428\"]\n",
    )
    .unwrap();
    let out = Command::new(st)
        .current_dir(dir)
        .args(["run", &server.url("/v1/openapi.json")])
        .args([
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
        ])
        .args([
            "--max-examples",
            "40",
            "--seed",
            "20261125",
            "--workers",
            "2",
        ])
        .args([
            "--generation-database",
            "none",
            "--no-color",
            "--request-timeout",
            "30",
        ])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(filter)
        .output()
        .expect("schemathesis runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // "  874 generated, 874 passed, 2 skipped" in the summary.
    text.lines()
        .find_map(|l| l.trim().split_once(" generated,")?.0.parse().ok())
        .unwrap_or_else(|| panic!("no case count in:\n{text}"))
}

#[tokio::test]
async fn the_service_answers_as_its_openapi_document_says() {
    let st = schemathesis();
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::new(
        dir.path(),
        &[
            ("GUICHET_SUBMIT_PER_HOUR", "100000"),
            ("GUICHET_VERIFY_PER_MINUTE", "100000"),
            ("GUICHET_FAILED_AUTH_PER_MINUTE", "100000"),
        ],
    );
    server.start().await;
    let citizen = server.token("applicant", None, "st-citizen");
    let clerk = server.clerk();
    let as_citizen = run(
        &st,
        &server,
        &citizen,
        &["--exclude-tag", "review"],
        dir.path(),
    );
    let as_clerk = run(
        &st,
        &server,
        &clerk,
        &["--include-tag", "review"],
        dir.path(),
    );
    server.kill();
    println!(
        "schemathesis: {} cases ({as_citizen} as an applicant, {as_clerk} as a clerk), no failure",
        as_citizen + as_clerk
    );
}
