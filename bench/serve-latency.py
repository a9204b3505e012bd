#!/usr/bin/env python3
"""Latency of `search serve` seen by one client: the CRUD dev questions and a
few short queries, twice each, one at a time, after ten warm-up searches.

    python3 bench/serve-latency.py PORT [QUERIES.tsv]

Prints the number of searches, p50 and p99 in milliseconds, and the statuses."""
import sys, time, urllib.error, urllib.parse, urllib.request

port = sys.argv[1]
queries = sys.argv[2] if len(sys.argv) > 2 else "../shared/eval/crud-qa/queries.dev.tsv"
qs = [l.split("\t", 1)[1].strip() for l in open(queries, encoding="utf-8") if "\t" in l]
qs += ["新能源汽车", '"人工智能"', "经济 发展", "北京 冬奥会"]


def get(q):
    url = f"http://127.0.0.1:{port}/api/search?q=" + urllib.parse.quote(q)
    try:
        with urllib.request.urlopen(url) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


for q in qs[:10]:
    get(q)
lat, codes = [], {}
for _ in range(2):
    for q in qs:
        t = time.perf_counter()
        c = get(q)
        lat.append((time.perf_counter() - t) * 1000)
        codes[c] = codes.get(c, 0) + 1
lat.sort()
print(f"{len(lat)} searches, p50 {lat[len(lat) // 2]:.1f} ms, p99 {lat[int(len(lat) * 0.99)]:.1f} ms, statuses {codes}")
