#!/usr/bin/python3
"""Tile-count sweep, for architects: runs masr-sim for one workload over a
list of tile counts (every other parameter from the platform file) and
reports, per count, the cycles, the speed-up over the smallest count, the
MAC utilization, the load imbalance across tiles and across PEs, and where
the critical path went (compute, NoC, synchronisation, merge, sequence
buffer). Plots speed-up against tiles (with the ideal) and the critical-path
shares: where a design stops scaling, and which hardware limit stops it.

Usage: scripts/sweep_tiles.py [--platform P.yaml] [--workload W.yaml]
                              [--tiles 16,32,64,...] [--steps N] [--out DIR]
                              [--set KEY=VALUE ...]
Writes DIR/sweep_tiles.csv and DIR/sweep_tiles.png (default out/sweep).
Tile counts whose weights do not fit are reported and skipped.
"""
import argparse
import csv
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PARTS = ("compute", "noc", "sync", "merge", "seqbuf")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--platform", default="platforms/datacenter.yaml")
    parser.add_argument("--workload", default="workloads/ds2_birnn.yaml")
    parser.add_argument("--tiles", default="16,32,64,128,256")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--out", default="out/sweep")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="platform override passed to masr-sim (repeatable)")
    args = parser.parse_args()
    out = os.path.join(ROOT, args.out)
    os.makedirs(out, exist_ok=True)
    sim = os.path.join(ROOT, "build", "bin", "masr-sim")
    if not os.path.exists(sim):
        sys.exit("sweep_tiles: build/bin/masr-sim is missing; run scripts/build.sh first")

    rows = []
    for tiles in [int(t) for t in args.tiles.split(",")]:
        run_dir = os.path.join(out, f"tiles_{tiles}")
        command = [sim, "--platform", args.platform, "--workload", args.workload, "--tiles", str(tiles),
                   "--steps", str(args.steps), "--out", run_dir, "--quiet"]
        for s in args.set:
            command += ["--set", s]
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if result.returncode != 0:
            print(f"{tiles:4d} tiles: skipped: {result.stderr.strip()}", file=sys.stderr)
            continue
        with open(os.path.join(run_dir, "stats.json")) as f:
            s = json.load(f)["summary"]
        row = {k: s[k] for k in ("tiles", "cycles", "seconds", "real_time_factor", "mac_utilization",
                                 "tile_imbalance", "pe_imbalance")}
        for part in PARTS:
            row[f"{part}_share"] = s["critical_path"][f"{part}_cycles"] / max(s["cycles"], 1)
        row["speedup"] = (rows[0]["cycles"] if rows else s["cycles"]) / s["cycles"]
        rows.append(row)
        shares = ", ".join(f"{p} {row[p + '_share'] * 100:4.1f} %" for p in PARTS)
        print(f"{tiles:4d} tiles: {s['cycles']:>10} cycles, speed-up {row['speedup']:5.2f}x, "
              f"utilization {s['mac_utilization'] * 100:5.1f} %; critical path {shares}", flush=True)
    if not rows:
        sys.exit("sweep_tiles: no tile count ran")
    with open(os.path.join(out, "sweep_tiles.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows)

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("sweep_tiles: matplotlib missing (scripts/setup.sh installs python3-matplotlib)")
    tiles = [r["tiles"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.plot(tiles, [r["speedup"] for r in rows], "o-", color="tab:blue", label="model")
    left.plot(tiles, [t / tiles[0] for t in tiles], "--", color="grey", label="ideal")
    left.set_xscale("log", base=2)
    left.set_yscale("log", base=2)
    left.set_xlabel("tiles")
    left.set_ylabel(f"speed-up over {tiles[0]} tiles")
    left.set_title(f"{os.path.basename(args.workload)}, {args.steps} steps")
    left.legend()
    bottom = [0.0] * len(rows)
    positions = range(len(rows))
    for part in PARTS:
        values = [100 * r[f"{part}_share"] for r in rows]
        right.bar(positions, values, bottom=bottom, label=part)
        bottom = [b + v for b, v in zip(bottom, values)]
    right.plot(positions, [100 * r["mac_utilization"] for r in rows], "ko-", label="MAC utilization")
    right.set_xticks(list(positions))
    right.set_xticklabels([str(t) for t in tiles])
    right.set_xlabel("tiles")
    right.set_ylabel("% of the run's cycles")
    right.set_title("critical path")
    right.legend(fontsize=8)
    fig.tight_layout()
    path = os.path.join(out, "sweep_tiles.png")
    fig.savefig(path, dpi=110)
    print(f"sweep_tiles: wrote {path}")


if __name__ == "__main__":
    main()
