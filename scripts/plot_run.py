#!/usr/bin/python3
"""Plots a masr-sim run: tile activity over time (from trace.json, written
with --trace perfetto) and per-tile MAC utilization and load (from
stats.json). Writes DIR/run.png.

Usage: scripts/plot_run.py DIR        (DIR as given to masr-sim --out)
"""
import json
import os
import sys


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(sys.argv) == 2 else 2
    out = sys.argv[1]
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot_run: matplotlib is missing (scripts/setup.sh installs python3-matplotlib)", file=sys.stderr)
        return 1
    with open(os.path.join(out, "stats.json")) as f:
        stats = json.load(f)
    summary = stats["summary"]
    tiles = sorted((k for k in stats["masr"] if k.startswith("tile_")), key=lambda k: int(k[5:]))
    pe = [stats["masr"][t]["pe"] for t in tiles]
    cycles = max(summary["cycles"], 1)
    macs = [p["effectual_macs"] for p in pe]
    lanes = summary["mac_utilization"] and summary["effectual_macs"] / summary["mac_utilization"] / cycles / len(tiles)

    fig, axes = plt.subplots(2, 1, figsize=(9, 6.5), gridspec_kw={"height_ratios": [3, 2]})
    ax = axes[0]
    trace_path = os.path.join(out, "trace.json")
    if os.path.exists(trace_path):
        with open(trace_path) as f:
            events = [e for e in json.load(f)["traceEvents"] if e.get("ph") == "X"]
        end = max((e["ts"] + e["dur"] for e in events), default=1.0)
        # Enough of the run to see a few recurrence barriers: up to tile 0's fifth round
        # after its first (the first starts after the load).
        starts = sorted(e["ts"] for e in events)
        begin = starts[0] if starts else 0.0
        tile0 = sorted(e["ts"] for e in events if e["tid"] == 0)
        window = tile0[5] if len(tile0) > 5 else end
        colours = ["tab:blue", "tab:orange"]
        for e in events:
            if e["ts"] > window:
                continue
            ax.broken_barh([(e["ts"], e["dur"])], (e["tid"] - 0.4, 0.8), color=colours[e["args"]["direction"] % 2])
        ax.set_xlim(begin, window)
        ax.set_xlabel("simulated time (us); blue forward, orange backward")
        ax.set_ylabel("tile")
        ax.set_title(f"{summary['workload']} on {summary['platform']}: tile activity "
                     f"(the run's first {window - begin:.2f} us)")
    else:
        ax.text(0.5, 0.5, "no trace.json (run masr-sim with --trace perfetto)", ha="center", va="center")
        ax.set_axis_off()
    ax = axes[1]
    utilization = [m / (lanes * cycles) * 100 if lanes else 0 for m in macs]
    ax.bar(range(len(tiles)), utilization, color="tab:green")
    ax.axhline(summary["mac_utilization"] * 100, color="black", linestyle="--", label="platform mean")
    ax.set_xlabel("tile")
    ax.set_ylabel("MAC utilization (%)")
    ax.legend()
    critical = summary["critical_path"]
    shares = ", ".join(f"{k.replace('_cycles', '')} {v / cycles * 100:.0f} %" for k, v in critical.items() if v)
    fig.suptitle(f"{summary['cycles']} cycles, real-time factor {summary['real_time_factor']:.0f}x, "
                 f"imbalance {summary['tile_imbalance'] * 100:.1f} % (tiles), "
                 f"{summary['pe_imbalance'] * 100:.1f} % (PEs)\ncritical path: {shares}", fontsize=10)
    fig.tight_layout()
    path = os.path.join(out, "run.png")
    fig.savefig(path, dpi=110)
    print(f"plot_run: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
