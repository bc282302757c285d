#!/usr/bin/python3
"""Checks scripts/paper_study.py end to end (its --quick mode, 2 steps):

1. a masr-sim that fails makes the study exit 1 naming the point and the
   error, and leaves no output directory (whole or not at all);
2. the study runs (every masr-sim run with --check: bit-exact with the
   golden reference, or the study fails), and ratios.csv has exactly the columns
   baseline,match,metric,model_ratio,paper_ratio and every expected
   (baseline, match, metric) row once, with finite positive ratios and the
   paper's figures;
3. the matches hold: at matched area MASR's area is within 5 % of the
   baseline's, at matched SRAM its SRAM bytes within 0.1 %, at matched MACs
   the MAC units are equal; every ratio recomputes from points.csv;
4. report.html renders its plots in headless Chromium
   (scripts/html_report.py check --min-plots 5).

Usage: check_paper_study.py --sim build/bin/masr-sim --out DIR
"""
import argparse
import csv
import math
import os
import shutil
import stat
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STUDY = os.path.join(ROOT, "scripts", "paper_study.py")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

# The paper's ratios (Gupta et al., PACT 2019): against EIE 1.6x performance,
# 3x energy, 2x area; against dense 14x, 15x, 2x; load balancing up to 1.30.
PAPER = {("eie", "performance"): 1.6, ("eie", "energy"): 3.0, ("eie", "area"): 2.0,
         ("dense", "performance"): 14.0, ("dense", "energy"): 15.0, ("dense", "area"): 2.0}
EXPECTED = [(b, m, k) for b in ("eie", "dense") for m in ("macs", "area", "sram")
            for k in ("performance", "energy", "area")]
EXPECTED += [("static_balance", "macs", "performance"), ("static_balance", "macs", "energy"),
             ("static_balance", "sweep_max", "performance")]
PAPER_ROWS = {**{r: PAPER[(r[0], r[2])] for r in EXPECTED if r[0] != "static_balance"},
              ("static_balance", "macs", "performance"): 1.30,
              ("static_balance", "macs", "energy"): 1.0,
              ("static_balance", "sweep_max", "performance"): 1.30}
# Which points.csv rows each (baseline, match) compares: (baseline point, MASR point).
POINTS = {("eie", "macs"): ("eie", "masr_macs"), ("eie", "area"): ("eie", "masr_area_eie"),
          ("eie", "sram"): ("eie", "masr_sram_eie"), ("dense", "macs"): ("dense_macs", "masr_macs"),
          ("dense", "area"): ("dense_macs", "masr_area_dense"), ("dense", "sram"): ("dense_macs", "masr_sram_dense"),
          ("static_balance", "macs"): ("masr_macs_static", "masr_macs")}
COLUMN = {"performance": "seconds", "energy": "energy_pj", "area": "area_mm2"}

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}", file=sys.stderr)


def failing_sim_case(work):
    """A masr-sim that exits 2 with a message: the study must say which point and why, and write nothing."""
    fake = os.path.join(work, "fake-masr-sim")
    with open(fake, "w") as f:
        f.write("#!/bin/sh\necho 'masr-sim: platforms/mobile.yaml:3: injected failure' >&2\nexit 2\n")
    os.chmod(fake, os.stat(fake).st_mode | stat.S_IEXEC)
    out = os.path.join(work, "failed")
    proc = subprocess.run([PYTHON, STUDY, "--quick", "--sim", fake, "--out", out, "--jobs", "1"],
                          capture_output=True, text=True, timeout=120)
    check(proc.returncode == 1, f"failing masr-sim: study exit status {proc.returncode}, expected 1")
    check("point 'masr_macs'" in proc.stderr and "injected failure" in proc.stderr and "exited with 2" in proc.stderr,
          f"failing masr-sim: the error names neither the point nor masr-sim's message: {proc.stderr.strip()}")
    check(not os.path.exists(out), "failing masr-sim: the study left an output directory")
    check(not [n for n in os.listdir(work) if n.startswith(".failed.partial-")],
          "failing masr-sim: the study left its staging directory")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sim", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    out = os.path.abspath(args.out)
    if os.path.exists(out):
        shutil.rmtree(out)

    with tempfile.TemporaryDirectory(prefix="paper-study-test-") as work:
        failing_sim_case(work)

    proc = subprocess.run([PYTHON, STUDY, "--quick", "--check", "--sim", args.sim, "--out", out, "--jobs", "2"],
                          text=True, timeout=600)
    if proc.returncode != 0:
        print(f"FAIL: paper_study.py --quick exited with {proc.returncode}", file=sys.stderr)
        return 1

    with open(os.path.join(out, "ratios.csv"), newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    check(header == ["baseline", "match", "metric", "model_ratio", "paper_ratio"], f"ratios.csv header {header}")
    keys = [tuple(r[:3]) for r in rows]
    for key in EXPECTED:
        check(keys.count(key) == 1, f"ratios.csv: row {key} appears {keys.count(key)} times, expected once")
    check(len(rows) == len(EXPECTED), f"ratios.csv has {len(rows)} rows, expected {len(EXPECTED)}")
    ratios = {}
    for r in rows:
        key = tuple(r[:3])
        model, paper = float(r[3]), float(r[4])
        check(math.isfinite(model) and model > 0, f"ratios.csv {key}: model ratio {r[3]} is not finite and positive")
        check(key in PAPER_ROWS and abs(paper - PAPER_ROWS[key]) < 1e-9,
              f"ratios.csv {key}: paper ratio {r[4]}, expected {PAPER_ROWS.get(key)}")
        ratios[key] = model

    with open(os.path.join(out, "points.csv"), newline="") as f:
        points = {p["point"]: p for p in csv.DictReader(f)}
    for (b, m), (base, masr) in POINTS.items():
        for k in ("performance", "energy", "area"):
            if (b, m, k) not in ratios:
                continue
            want = float(points[base][COLUMN[k]]) / float(points[masr][COLUMN[k]])
            check(abs(ratios[(b, m, k)] / want - 1) < 1e-4,
                  f"{(b, m, k)}: ratio {ratios[(b, m, k)]} but points.csv gives {want}")
    for b in ("eie", "dense"):
        base, masr = POINTS[(b, "macs")]
        check(points[base]["mac_units"] == points[masr]["mac_units"] == "64",
              f"matched MACs against {b}: {points[base]['mac_units']} vs {points[masr]['mac_units']} MAC units")
        base, masr = POINTS[(b, "area")]
        a, c = float(points[base]["area_mm2"]), float(points[masr]["area_mm2"])
        check(abs(c / a - 1) < 0.05, f"matched area against {b}: MASR {c} mm2, baseline {a} mm2")
        base, masr = POINTS[(b, "sram")]
        a, c = int(points[base]["sram_bytes"]), int(points[masr]["sram_bytes"])
        check(abs(c / a - 1) < 1e-3, f"matched SRAM against {b}: MASR {c} bytes, baseline {a}")
    # A zero-skipping MASR is faster than the dense baseline at equal MACs: fails if skipping broke.
    check(ratios[("dense", "macs", "performance")] > 2, "MASR is not clearly faster than dense at 64 MACs")
    for name in ("ablation.csv", "lb_tiles.csv", "lb_row_variation.csv"):
        with open(os.path.join(out, name)) as f:
            check(len(f.read().splitlines()) >= 3, f"{name} has fewer than two data rows")

    proc = subprocess.run([PYTHON, os.path.join(ROOT, "scripts", "html_report.py"), "check",
                           os.path.join(out, "report.html"), "--min-plots", "5"], timeout=300)
    check(proc.returncode == 0, f"html_report.py check exited with {proc.returncode}")
    if failures:
        print(f"check_paper_study: {len(failures)} failures", file=sys.stderr)
        return 1
    print("check_paper_study: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
