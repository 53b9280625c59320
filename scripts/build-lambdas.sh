#!/usr/bin/env bash
# Every function built for Lambda (arm64, Graviton) by cargo-lambda through zig.
#   build-lambdas.sh            the check the test command runs: every function cross-compiles and
#                               links for Lambda (profile lambda-check: the dev profile's settings)
#   build-lambdas.sh --release  what `sam build` deploys: release, thin LTO, stripped
#   build-lambdas.sh --install  only installs cargo-lambda and the arm64 standard library
# Prints each bootstrap's size.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
cargo_lambda=$(./scripts/pyvenv.sh lambda-venv 'cargo-lambda>=1,<2' cargo-lambda)
rustup target list --installed | grep -qx aarch64-unknown-linux-gnu || rustup target add aarch64-unknown-linux-gnu
[ "${1:-}" = "--install" ] && exit 0
profile=(--profile lambda-check)
kind="arm64, check build"
if [ "${1:-}" = "--release" ]; then
    profile=(--release)
    kind="arm64, release, stripped"
fi
functions=(submit payment review issue verify reconcile forward check screen feed notify)
# A plain build: the test command's clippy wrapper is for the workspace's lints, made once.
env -u RUSTC_WORKSPACE_WRAPPER PATH="$(dirname "$cargo_lambda"):$PATH" \
    cargo lambda build "${profile[@]}" --arm64 --locked "${functions[@]/#/--package=guichet-}"
for f in "${functions[@]}"; do
    printf 'guichet-%-9s %10d bytes (%s)\n' "$f" "$(stat -c %s "$target/lambda/guichet-$f/bootstrap")" "$kind"
done
# The arm64 intermediates (~1.3 GB) are only needed to rebuild faster; drop them when disk is short.
free_kib=$(df -Pk "$target" | awk 'NR==2 {print $4}')
if [ "${free_kib:-0}" -lt $((20 * 1024 * 1024)) ]; then
    echo "less than 20 GiB free: removing $target/aarch64-unknown-linux-gnu ($target/lambda keeps the bootstraps)" >&2
    rm -rf "$target/aarch64-unknown-linux-gnu"
fi
