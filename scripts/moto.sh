#!/usr/bin/env bash
# Installs moto server (the AWS API emulator the AWS adapters are tested against) in its own venv,
# and prints the path of `moto_server`. The tests call this themselves when the venv is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
venv="$target/moto-venv"
if [ ! -x "$venv/bin/moto_server" ]; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q 'moto[server]>=5.1,<6' >&2
fi
echo "$venv/bin/moto_server"
