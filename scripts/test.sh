#!/usr/bin/env bash
# The test command: installs what the tests need on a fresh machine, runs every check, and prints
# how long each phase took. README gives the measured figures.
set -euo pipefail
cd "$(dirname "$0")/.."
# One build from scratch: incremental caches (~1 GB) would only take disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
target="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target"

SECONDS=0
report=()
phase() {
    local name="$1" t0=$SECONDS
    shift
    echo "== $name" >&2
    "$@"
    report+=("$(printf '%-46s %5d s' "$name" $((SECONDS - t0)))")
}
summary() {
    local status=$?
    echo >&2
    printf '%s\n' "${report[@]}" >&2
    printf '%-46s %5d s%s\n' "the test command" "$SECONDS" "$([ $status -eq 0 ] || echo " (failed)")" >&2
}
trap summary EXIT

# The tools the tests and linters need are downloads and pip installs, not computation: they
# install in the background while cargo compiles. poppler-utils: the tests read the issued PDF as a
# person would (pdftotext, pdftoppm) and check its signature as a PDF reader does (pdfsig, with
# libnss3-tools' certutil to trust the published root); moto server: the AWS adapters' emulator; schemathesis; the
# template linters; cargo-lambda and the arm64 standard library; Chromium, chromedriver and axe-core
# for the browser tests; jq, curl and openssl for README's walk-through, which a test runs as written;
# cargo-deny (built from crates.io: the one compilation among them).
tools() {
    # One apt run for every Debian package (browser.sh below then finds Chromium installed).
    if ! command -v pdftoppm >/dev/null || ! command -v pdfsig >/dev/null || ! command -v certutil >/dev/null \
        || ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null \
        || ! command -v jq >/dev/null || ! command -v curl >/dev/null || ! command -v openssl >/dev/null; then
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
            poppler-utils libnss3-tools chromium chromium-driver jq curl openssl >/dev/null
    fi
    ./scripts/browser.sh
    ./scripts/moto.sh >/dev/null
    ./scripts/schemathesis.sh >/dev/null
    ./scripts/lint-infra.sh --install
    ./scripts/build-lambdas.sh --install
    ./scripts/deny.sh --install
}
tools_started=$SECONDS
tools >"$target/tools.log" 2>&1 &
tools_pid=$!

phase "cargo fmt --check" cargo fmt --all -- --check

# Lints and the test build in one: clippy-driver compiles the workspace's own crates (their lints,
# then their code) while plain rustc builds the dependencies once, for both. Run as
# `cargo clippy` then `cargo test`, the two would each build every dependency
# (rust-lang/cargo#3501).
export RUSTC_WORKSPACE_WRAPPER
RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver)"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
phase "clippy -D warnings, and the test build" cargo test --workspace --all-targets --locked --no-run

tools_wait() {
    if ! wait "$tools_pid"; then
        cat "$target/tools.log" >&2
        echo "installing the test tools failed (above)" >&2
        return 1
    fi
    echo "(the tools installed in the background in $((SECONDS - tools_started)) s)" >&2
}
phase "waiting for the tools" tools_wait
phase "template: sam validate, cfn-lint, checkov" ./scripts/lint-infra.sh
phase "cargo deny check licenses bans sources" ./scripts/deny.sh
phase "tests" cargo test --workspace --all-targets --locked
phase "every function built for Lambda (arm64)" ./scripts/build-lambdas.sh
