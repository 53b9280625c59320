"""The peer for screening: RapidFuzz (C++ fuzzy matching) scanning the same generated list for
each traveller, with its `token_sort_ratio` (order-free, case- and punctuation-folded) from 85,
and the same birth-year rule applied to what it finds (within one year, or unknown on one side).
Reads target/screening/{list.csv,travellers.json}, written by our bench in the same run; prints
one JSON line: timings (ms per traveller) and, per set, how many it found."""

import csv
import json
import sys
import time
from pathlib import Path

from rapidfuzz import fuzz, process, utils

DIR = Path(__file__).resolve().parents[2] / "target" / "screening"

names, owners, years = [], [], {}
with open(DIR / "list.csv", newline="") as f:
    for row in csv.DictReader(f):
        years[row["id"]] = int(row["birth_year"]) if row["birth_year"] else None
        for name in [row["name"], *[a for a in row["aliases"].split(";") if a.strip()]]:
            names.append(utils.default_process(name))
            owners.append(row["id"])
travellers = json.loads((DIR / "travellers.json").read_text())

times, found = [], {}
for t in travellers:
    start = time.perf_counter()
    hits = process.extract(
        utils.default_process(t["name"]), names, scorer=fuzz.token_sort_ratio,
        score_cutoff=85, limit=None,
    )
    year = t["birth_year"]
    ids = {
        owners[i] for _, _, i in hits
        if year is None or years[owners[i]] is None or abs(years[owners[i]] - year) <= 1
    }
    times.append((time.perf_counter() - start) * 1e3)
    n, k = found.get(t["set"], (0, 0))
    hit = (t["expect"] in ids) if t["expect"] else bool(ids)
    found[t["set"]] = (n + 1, k + int(hit))

times.sort()
pick = lambda p: times[round((len(times) - 1) * p)]
print(json.dumps({"p50": pick(0.5), "p99": pick(0.99), "max": times[-1], "names": len(names),
                  "sets": {s: {"n": n, "k": k} for s, (n, k) in found.items()}}))
