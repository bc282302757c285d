#!/usr/bin/python3
"""Tile-count sweep: runs masr-sim for one workload over a list of tile
counts and plots latency, real-time factor, MAC utilization, load imbalance
and NoC share against the number of tiles -- where a design stops scaling.

Usage: scripts/sweep_tiles.py [--platform P.yaml] [--workload W.yaml]
                              [--tiles 4,8,16,...] [--steps N] [--out DIR]
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--platform", default="platforms/datacenter.yaml")
    parser.add_argument("--workload", default="workloads/ds2_birnn.yaml")
    parser.add_argument("--tiles", default="4,8,16,32,48,64,128,256")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--out", default="out/sweep")
    args = parser.parse_args()
    out = os.path.join(ROOT, args.out)
    os.makedirs(out, exist_ok=True)
    sim = os.path.join(ROOT, "build", "bin", "masr-sim")
    if not os.path.exists(sim):
        sys.exit("sweep_tiles: build/bin/masr-sim is missing; run scripts/build.sh first")

    rows = []
    for tiles in [int(t) for t in args.tiles.split(",")]:
        run_dir = os.path.join(out, f"tiles_{tiles}")
        result = subprocess.run([sim, "--platform", args.platform, "--workload", args.workload, "--tiles",
                                 str(tiles), "--steps", str(args.steps), "--out", run_dir, "--quiet"],
                                cwd=ROOT, capture_output=True, text=True)
        if result.returncode != 0:
            print(f"{tiles:4d} tiles: skipped: {result.stderr.strip()}", file=sys.stderr)
            continue
        with open(os.path.join(run_dir, "stats.json")) as f:
            s = json.load(f)["summary"]
        rows.append({k: s[k] for k in ("tiles", "cycles", "seconds", "real_time_factor", "mac_utilization",
                                       "load_imbalance", "noc_share")})
        print(f"{tiles:4d} tiles: {s['cycles']:>10} cycles, real-time factor {s['real_time_factor']:8.0f}x, "
              f"utilization {s['mac_utilization'] * 100:5.1f} %, NoC share {s['noc_share'] * 100:5.1f} %",
              flush=True)
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
    left.plot(tiles, [r["real_time_factor"] for r in rows], "o-", color="tab:blue")
    left.set_xscale("log", base=2)
    left.set_xlabel("tiles")
    left.set_ylabel("real-time factor (audio s per accelerator s)")
    left.set_title(f"{os.path.basename(args.workload)}, {args.steps} steps")
    for key, label in (("mac_utilization", "MAC utilization"), ("load_imbalance", "load imbalance"),
                       ("noc_share", "NoC share")):
        right.plot(tiles, [100 * r[key] for r in rows], "o-", label=label)
    right.set_xscale("log", base=2)
    right.set_xlabel("tiles")
    right.set_ylabel("%")
    right.legend()
    fig.tight_layout()
    path = os.path.join(out, "sweep_tiles.png")
    fig.savefig(path, dpi=110)
    print(f"sweep_tiles: wrote {path}")


if __name__ == "__main__":
    main()
