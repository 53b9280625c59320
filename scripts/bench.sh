#!/usr/bin/env bash
# Issuance speed against a peer measured in the same run: our criterion bench (seal + PDF) and
# ReportLab rendering the same extract. Prints both figures and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/bench-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --no-cache-dir 'reportlab>=4,<6'
fi
cargo bench -p guichet-pdf --bench issue -- --noplot
ours_ns=$(python3 -c 'import json;print(json.load(open("target/criterion/issue_extract_pdf/new/estimates.json"))["mean"]["point_estimate"])')
peer=$("$venv/bin/python" scripts/bench/peer_reportlab.py 200)
python3 - "$ours_ns" "$peer" <<'PY'
import json, sys
ours_ms = float(sys.argv[1]) / 1e6
peer = json.loads(sys.argv[2])
print(f"guichet  issue_extract_pdf: {ours_ms:.3f} ms per document (seal + PDF)")
print(f"reportlab same extract:     {peer['ms_per_document']:.3f} ms per document, {peer['bytes']} bytes")
print(f"reportlab, QR pre-encoded:  {peer['ms_per_document_qr_preencoded']:.3f} ms per document")
print(f"ratio: guichet is {peer['ms_per_document'] / ours_ms:.1f}x faster than the whole peer, "
      f"{peer['ms_per_document_qr_preencoded'] / ours_ms:.1f}x faster than the peer spared its QR encoding")
PY
