#!/usr/bin/env python3
"""Mean top-10 overlap of two TREC runs (as `search eval --run FILE` writes):
for each query, the share of the first run's 10 leading articles that the
second run also ranks in its 10.

    python3 bench/run-overlap.py LOCAL.run CLUSTER.run

Prints the mean over the queries of either run, as a percentage."""
import collections
import sys


def leading(path, k=10):
    ranked = collections.defaultdict(list)
    for line in open(path, encoding="utf-8"):
        query, _, doc, rank, _score, _tag = line.split()
        ranked[query].append((int(rank), doc))
    return {q: [d for _, d in sorted(hits)][:k] for q, hits in ranked.items()}


first, second = leading(sys.argv[1]), leading(sys.argv[2])
queries = sorted(set(first) | set(second))
shares = []
for q in queries:
    a, b = first.get(q, []), second.get(q, [])
    shares.append(len(set(a) & set(b)) / max(1, len(a), len(b)))
print(f"mean top-10 overlap {100 * sum(shares) / len(shares):.1f}% over {len(queries)} queries")
