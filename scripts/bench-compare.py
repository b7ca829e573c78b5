#!/usr/bin/env python3
"""Same-run comparison of two cloudplane builds: `bench scheduler` and `bench sim`, interleaved
pairs, medians of each build and of the per-pair new/old ratios (noise on a shared machine hits
both builds of a pair alike).

usage: scripts/bench-compare.py OLD_BINARY NEW_BINARY [PAIRS]"""
import json, statistics, subprocess, sys


def run(binary, args):
    out = subprocess.run([binary] + args, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def main():
    old, new = sys.argv[1], sys.argv[2]
    pairs = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    figures = {"scheduler_p50_us": [], "scheduler_decisions_per_second": [], "sim_events_per_second": []}
    for _ in range(pairs):
        pair = {}
        for name, binary in (("old", old), ("new", new)):
            s = run(binary, ["bench", "scheduler", "--hosts", "10000", "--requests", "50000", "--format", "json"])
            k = run(binary, ["bench", "sim", "--pending", "10000", "--events", "1000000", "--runs", "3", "--format", "json"])
            pair[name] = (s["p50_us"], s["decisions_per_second"], k["events_per_second"])
        for i, key in enumerate(figures):
            figures[key].append((pair["old"][i], pair["new"][i]))
    report = {}
    for key, values in figures.items():
        report[key] = {
            "old_median": statistics.median(o for o, _ in values),
            "new_median": statistics.median(n for _, n in values),
            "median_ratio_new_over_old": round(statistics.median(n / o for o, n in values), 3),
        }
    print(json.dumps({"pairs": pairs, "figures": report}, indent=2))


if __name__ == "__main__":
    main()
