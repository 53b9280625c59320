#!/usr/bin/env bash
# Every function built as Lambda will run it: release, arm64 (Graviton), by cargo-lambda through zig.
# Prints each bootstrap's stripped size.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/infra-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
[ -x "$venv/bin/cargo-lambda" ] || "$venv/bin/pip" install -q --no-cache-dir 'cargo-lambda>=1,<2'
rustup target list --installed | grep -qx aarch64-unknown-linux-gnu || rustup target add aarch64-unknown-linux-gnu
functions=(submit payment review issue verify reconcile forward)
PATH="$PWD/$venv/bin:$PATH" cargo lambda build --release --arm64 --locked "${functions[@]/#/--package=guichet-}"
for f in "${functions[@]}"; do
    printf 'guichet-%-8s %9d bytes (arm64, stripped)\n' "$f" "$(stat -c %s "target/lambda/guichet-$f/bootstrap")"
done
# The arm64 intermediates (~1.3 GB) are only needed to rebuild faster; drop them when disk is short.
free_kib=$(df -Pk target | awk 'NR==2 {print $4}')
if [ "${free_kib:-0}" -lt $((20 * 1024 * 1024)) ]; then
    echo "less than 20 GiB free: removing target/aarch64-unknown-linux-gnu (target/lambda keeps the bootstraps)" >&2
    rm -rf target/aarch64-unknown-linux-gnu
fi
