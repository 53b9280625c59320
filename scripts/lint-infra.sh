#!/usr/bin/env bash
# The infrastructure checks: `sam validate --lint`, cfn-lint with the serverless rules, checkov.
# Every finding is fixed or waived in infra/template.yaml with its reason; any new one fails.
# `lint-infra.sh --install` only installs the tools.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
venv="$target/infra-venv"
if [ ! -x "$venv/bin/checkov" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --no-cache-dir 'aws-sam-cli>=1.170,<2' 'cfn-lint>=1.58,<2' 'cfn-lint-serverless>=0.3,<1' 'checkov>=3.2,<4'
fi
[ "${1:-}" = "--install" ] && exit 0
export PATH="$venv/bin:$PATH" SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-eu-west-3}"
sam validate --lint -t infra/template.yaml
cfn-lint --append-rules cfn_lint_serverless.rules -- infra/template.yaml
checkov -f infra/template.yaml --framework cloudformation --compact --quiet --skip-download
