#!/usr/bin/env bash
# The test command: installs what the tests need on a fresh machine, then runs every check.
set -euo pipefail
cd "$(dirname "$0")/.."
# One build from scratch: incremental caches (~1 GB) would only take disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

# poppler-utils: the end-to-end tests read the issued PDF as a person would (pdftotext, pdftoppm).
if ! command -v pdftoppm >/dev/null || ! command -v pdftotext >/dev/null; then
    echo "installing poppler-utils" >&2
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq poppler-utils >/dev/null
fi

# moto server: the AWS adapters' tests run against it (they start it themselves; installing it
# here makes a broken install fail first and loudly).
./scripts/moto.sh >/dev/null

# schemathesis: a test sends it against `guichet serve` (it installs it itself; same reason).
./scripts/schemathesis.sh >/dev/null

# The SAM template: sam validate --lint, cfn-lint (serverless rules), checkov.
./scripts/lint-infra.sh

# Every function, as Lambda runs it: release, arm64.
./scripts/build-lambdas.sh

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
