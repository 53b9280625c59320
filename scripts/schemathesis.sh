#!/usr/bin/env bash
# Installs schemathesis (property-based tests generated from the OpenAPI document) in its own
# venv, and prints the path of its `st` command. The schemathesis test calls this itself when the
# venv is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
venv="$target/schemathesis-venv"
if [ ! -x "$venv/bin/st" ]; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q 'schemathesis>=4.1,<5' >&2
fi
echo "$venv/bin/st"
