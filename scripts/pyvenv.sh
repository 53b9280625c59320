#!/usr/bin/env bash
# pyvenv.sh NAME REQUIREMENT COMMAND: installs REQUIREMENT in its own venv under the cargo target
# directory (once), and prints the path of the venv's COMMAND. The test tools' scripts use it.
set -euo pipefail
cd "$(dirname "$0")/.."
name="$1" requirement="$2" command="$3"
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
venv="$target/$name"
if [ ! -x "$venv/bin/$command" ]; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q --no-cache-dir "$requirement" >&2
fi
echo "$venv/bin/$command"
