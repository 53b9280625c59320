#!/usr/bin/env bash
# Installs moto server (the AWS API emulator the AWS adapters are tested against) in its own venv,
# and prints the path of `moto_server`. The tests call this themselves when the venv is missing.
set -euo pipefail
exec "$(dirname "$0")/pyvenv.sh" moto-venv 'moto[server]>=5.1,<6' moto_server
