#!/usr/bin/python3
"""Simulator speed benchmark (not a test): host seconds and simulated
effectual MACs per host second of masr-sim running ds2_birnn on the smallest
preset that holds it (mobile), on edge and on datacenter, beside masr-ref's
own time for the same work. The model should cost at most 2x the golden
reference, and its host time should not grow with the tile count.

Usage: scripts/bench_sim.py [--steps N] [--workload W.yaml] [--out DIR]
Writes DIR/bench_sim.csv and DIR/bench_sim.png (default DIR: out/bench).
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bin")


def timed(cmd):
    start = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=50, help="time steps to simulate (default 50)")
    parser.add_argument("--workload", default="workloads/ds2_birnn.yaml")
    parser.add_argument("--platforms", default="mobile,edge,datacenter")
    parser.add_argument("--out", default="out/bench")
    args = parser.parse_args()
    os.makedirs(os.path.join(ROOT, args.out), exist_ok=True)

    rows = []
    ref_seconds = timed([os.path.join(BIN, "masr-ref"), "--workload", args.workload, "--steps", str(args.steps)])
    print(f"masr-ref                 {ref_seconds:8.2f} s", flush=True)
    for platform in args.platforms.split(","):
        run_dir = os.path.join(ROOT, args.out, platform)
        seconds = timed([os.path.join(BIN, "masr-sim"), "--platform", f"platforms/{platform}.yaml",
                         "--workload", args.workload, "--steps", str(args.steps), "--out", run_dir, "--quiet"])
        with open(os.path.join(run_dir, "stats.json")) as f:
            summary = json.load(f)["summary"]
        macs = summary["effectual_macs"]
        rows.append({"platform": platform, "tiles": summary["tiles"], "host_seconds": round(seconds, 3),
                     "ref_seconds": round(ref_seconds, 3), "ratio_to_ref": round(seconds / ref_seconds, 2),
                     "effectual_macs": macs, "macs_per_host_second": round(macs / seconds),
                     "simulated_cycles": summary["cycles"]})
        print(f"masr-sim {platform:<15} {seconds:8.2f} s  {seconds / ref_seconds:5.2f}x ref  "
              f"{macs / seconds / 1e6:8.1f} M effectual MACs/s  ({summary['tiles']} tiles)", flush=True)

    with open(os.path.join(ROOT, args.out, "bench_sim.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        writer.writerows(rows)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(6, 3.5))
        names = ["masr-ref"] + [f"{r['platform']}\n({r['tiles']} tiles)" for r in rows]
        values = [ref_seconds] + [r["host_seconds"] for r in rows]
        ax.bar(names, values, color=["grey"] + ["tab:blue"] * len(rows))
        ax.axhline(2 * ref_seconds, color="tab:red", linestyle="--", label="2x golden reference")
        ax.set_ylabel("host seconds")
        ax.set_title(f"{os.path.basename(args.workload)}, {args.steps} steps")
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(ROOT, args.out, "bench_sim.png"), dpi=120)
    except ImportError:
        print("matplotlib missing: no plot (scripts/setup.sh installs python3-matplotlib)", file=sys.stderr)


if __name__ == "__main__":
    main()
