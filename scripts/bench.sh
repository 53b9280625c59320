#!/usr/bin/env bash
# Issuance speed against a peer measured in the same run: our criterion bench (seal + PDF, one
# document of each kind) and ReportLab rendering the same documents. Prints each figure, each
# document's size and the ratios, and what the file's own signature adds (the same document
# with an empty one). Then screening: one traveller against 100,000 listed people, on one core,
# against RapidFuzz scanning the same list on the same core.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/bench-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --no-cache-dir 'reportlab>=4,<6'
fi
"$venv/bin/python" -c 'import rapidfuzz' 2>/dev/null \
    || "$venv/bin/pip" install -q --no-cache-dir 'rapidfuzz>=3,<4'

cargo bench -p guichet-pdf --bench issue -- --noplot 2>&1 | tee target/bench.log
peer=$("$venv/bin/python" scripts/bench/peer_reportlab.py 200)
python3 - "$peer" <<'PY'
import json, re, sys
peer = json.loads(sys.argv[1])
log = open("target/bench.log").read()
for kind, bench in [("criminal_record_extract", "issue_extract_pdf"),
                    ("nationality_certificate", "issue_nationality_certificate_pdf")]:
    ours_ms = json.load(open(f"target/criterion/{bench}/new/estimates.json"))["mean"]["point_estimate"] / 1e6
    ours_bytes = int(re.search(rf"{bench}: (\d+) bytes", log).group(1))
    p = peer[kind]
    print(f"{kind}:")
    print(f"  guichet   {ours_ms:.3f} ms per document (seal + PDF), {ours_bytes} bytes")
    print(f"  reportlab {p['ms_per_document']:.3f} ms per document, {p['bytes']} bytes; "
          f"{p['ms_per_document_qr_preencoded']:.3f} ms with its QR code pre-encoded")
    print(f"  ratio: {p['ms_per_document'] / ours_ms:.1f}x faster than the whole peer, "
          f"{p['ms_per_document_qr_preencoded'] / ours_ms:.1f}x faster than the peer spared its QR encoding")
    # The same document with an empty signature, in the same run: what the file's own signature costs.
    unsigned_ms = json.load(open(f"target/criterion/{bench}_unsigned/new/estimates.json"))["mean"]["point_estimate"] / 1e6
    sig_bytes = int(re.search(rf"{bench}: \d+ bytes, of which the file's own signature (\d+) bytes", log).group(1))
    print(f"  the file's own signature (PAdES): {(ours_ms - unsigned_ms) * 1000:.0f} us and {sig_bytes} bytes "
          f"(unsigned {unsigned_ms:.3f} ms)")
PY

# Screening, pinned to one core (taskset), ours then the peer on the same list and travellers.
cargo bench --workspace --bench screening --no-run 2>/dev/null
taskset -c 0 cargo bench --workspace --bench screening 2>/dev/null | tee target/screening.log
rf=$(taskset -c 0 "$venv/bin/python" scripts/bench/peer_rapidfuzz.py)
python3 - "$rf" <<'PY'
import json, re, sys
rf = json.loads(sys.argv[1])
log = open("target/screening.log").read()
p50, p99 = (float(x) for x in re.search(r"p50 ([\d.]+) ms, p99 ([\d.]+) ms", log).groups())
print(f"screening peer (RapidFuzz token_sort_ratio >= 85, same list, same core): "
      f"p50 {rf['p50']:.2f} ms, p99 {rf['p99']:.2f} ms per traveller over {rf['names']} names")
print(f"  ratio: guichet's p99 is {rf['p99'] / p99:.1f}x faster, p50 {rf['p50'] / p50:.1f}x")
for s, v in sorted(rf["sets"].items()):
    share = 100 * v["k"] / v["n"]
    what = "recall" if "variants" in s else "travellers with a candidate (false positives)"
    print(f"  peer {what} on {s}: {v['k']}/{v['n']} = {share:.1f} %")
PY
