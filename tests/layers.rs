//! The crate graph says the architecture, and this test holds it: the core knows no HTTP, SQL or
//! AWS; adapters know no handler and no other adapter family; functions never import one
//! another; each Lambda links only what it uses. Read from `cargo tree`, so the features each
//! package is built with are the ones that count.

use std::collections::BTreeSet;
use std::process::Command;

/// Every package `package` depends on for its build (not its tests), itself included.
fn tree(package: &str) -> BTreeSet<String> {
    let out = Command::new(env!("CARGO"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .args([
            "tree",
            "--locked",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
            "-p",
            package,
        ])
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

fn refuse(package: &str, forbidden: &[&str]) {
    let deps = tree(package);
    let found: Vec<&String> = deps
        .iter()
        // A name ending in `-` is a family (`aws-`); any other is one crate.
        .filter(|d| {
            forbidden
                .iter()
                .any(|f| *d == f || (f.ends_with('-') && d.starts_with(f)))
        })
        .collect();
    assert!(
        found.is_empty(),
        "{package} must not depend on {found:?}: see docs/design.md, Layers"
    );
}

/// What talks HTTP, SQL or AWS, or draws PDFs: never in the core.
const ADAPTERS: [&str; 12] = [
    "lambda_http",
    "lambda_runtime",
    "http",
    "hyper",
    "axum",
    "reqwest",
    "jsonwebtoken",
    "rusqlite",
    "printpdf",
    "aws-",
    "guichet-local",
    "guichet-aws",
];

#[test]
fn the_core_knows_no_http_sql_or_aws() {
    refuse("guichet-core", &ADAPTERS);
    refuse(
        "guichet-core",
        &[
            "guichet-http",
            "guichet-seal",
            "guichet-pdf",
            "guichet-payments",
            "guichet-queue",
        ],
    );
}

#[test]
fn adapters_know_no_handler_and_no_other_adapter() {
    let functions = [
        "guichet-submit",
        "guichet-payment",
        "guichet-review",
        "guichet-issue",
        "guichet-verify",
        "guichet-reconcile",
        "guichet-forward",
        "guichet-check",
        "guichet-screen",
        "guichet-feed",
        "guichet-notify",
        "guichet-cli",
    ];
    for adapter in [
        "guichet-local",
        "guichet-aws",
        "guichet-seal",
        "guichet-pdf",
        "guichet-payments",
    ] {
        let mut forbidden: Vec<&str> = functions.to_vec();
        forbidden.extend(["guichet-http", "guichet-queue"]);
        let others = [
            "guichet-local",
            "guichet-aws",
            "guichet-seal",
            "guichet-pdf",
            "guichet-payments",
        ];
        forbidden.extend(others.iter().filter(|o| **o != adapter));
        refuse(adapter, &forbidden);
    }
    refuse("guichet-local", &["aws-", "lambda_http", "printpdf"]);
    refuse("guichet-aws", &["rusqlite", "lambda_http", "printpdf"]);
    refuse("guichet-http", &["rusqlite", "aws-", "printpdf"]);
    // The queue consumers' helper knows SQS's event shape, and no store, adapter or HTTP.
    refuse(
        "guichet-queue",
        &[
            "rusqlite",
            "aws-",
            "printpdf",
            "lambda_http",
            "guichet-local",
            "guichet-aws",
            "guichet-http",
        ],
    );
}

#[test]
fn functions_never_import_one_another() {
    let functions = [
        "guichet-submit",
        "guichet-payment",
        "guichet-review",
        "guichet-issue",
        "guichet-verify",
        "guichet-reconcile",
        "guichet-forward",
        "guichet-check",
        "guichet-screen",
        "guichet-feed",
        "guichet-notify",
    ];
    for f in functions {
        let others: Vec<&str> = functions.iter().copied().filter(|o| *o != f).collect();
        refuse(f, &others);
        refuse(f, &["guichet-cli", "guichet-local", "rusqlite"]);
    }
}

#[test]
fn each_lambda_links_only_what_it_uses() {
    // Verify reads attacker-supplied pictures and PDFs: it holds no secret at all, and checks
    // seals against the published key set.
    refuse(
        "guichet-verify",
        &[
            "printpdf",
            "aws-sdk-sqs",
            "aws-sdk-s3",
            "qrcode",
            "aws-sdk-secretsmanager",
        ],
    );
    refuse(
        "guichet-payment",
        &["printpdf", "aws-sdk-sqs", "aws-sdk-s3"],
    );
    refuse("guichet-submit", &["printpdf", "aws-sdk-sqs"]);
    refuse("guichet-review", &["printpdf", "aws-sdk-s3", "aws-sdk-sqs"]);
    // Reconcile writes the audit checkpoints: S3 (the locked bucket) and the audit key.
    refuse(
        "guichet-reconcile",
        &["printpdf", "lambda_http", "aws-sdk-sqs"],
    );
    refuse(
        "guichet-check",
        &[
            "printpdf",
            "lambda_http",
            "aws-sdk-secretsmanager",
            "aws-sdk-sns",
        ],
    );
    // And the check can fail: the issue function does draw PDFs.
    assert!(tree("guichet-issue").contains("printpdf"));
}
