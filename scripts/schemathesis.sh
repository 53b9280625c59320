#!/usr/bin/env bash
# Installs schemathesis (property-based tests generated from the OpenAPI document) in its own
# venv, and prints the path of its `st` command. The schemathesis test calls this itself when the
# venv is missing.
set -euo pipefail
exec "$(dirname "$0")/pyvenv.sh" schemathesis-venv 'schemathesis>=4.1,<5' st
