#!/usr/bin/python3
"""Re-records the regression matrix's expected results
(testbenches/regression/expected/<profile>/<point>.json) after an intended
change of the model: runs every point (or the ones named), prints the old and
new figures side by side, then writes the files that changed. Commit them
with the change that explains them.

Usage: scripts/update_baselines.py [--profile ci|nightly|all] [--point NAME ...]
                                   [--jobs N] [--dry-run] [--sim BIN]
--dry-run prints the comparison and writes nothing. A point whose masr-sim
run fails is reported and nothing of it is written (exit 3).
"""
import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "testbenches", "regression"))
import regress  # noqa: E402


def fmt(value):
    if isinstance(value, float):
        return repr(value)
    return "-" if value is None else str(value)


def side_by_side(old, new):
    """Rows (figure, old, new, mark) of every figure and layer hash."""
    rows = []
    for figure in ("steps",) + regress.FIGURES:
        a, b = (old or {}).get(figure), new.get(figure)
        rows.append((figure, fmt(a), fmt(b), "" if a == b else "<- changed"))
    old_layers = {e["layer"]: e for e in (old or {}).get("output_crc32", [])}
    for entry in new["output_crc32"]:
        for d in ("fwd", "bwd"):
            if d in entry:
                a = old_layers.get(entry["layer"], {}).get(d)
                rows.append((f"{entry['layer']}.{d}", fmt(a), entry[d], "" if a == entry[d] else "<- changed"))
    return rows


def write_json(path, doc):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".expected.", dir=os.path.dirname(path))
    with os.fdopen(fd, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=regress.PROFILES + ("all",), default="all")
    parser.add_argument("--point", action="append", default=[], metavar="NAME")
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--dry-run", action="store_true", help="compare only, write nothing")
    parser.add_argument("--sim", default=regress.default_sim())
    args = parser.parse_args(argv)
    try:
        points = regress.select(regress.load_matrix(), args.point)
    except regress.BadInput as e:
        print(f"update_baselines: {e}", file=sys.stderr)
        return 2
    if not os.access(args.sim, os.X_OK):
        print(f"update_baselines: {args.sim} is not an executable masr-sim; run scripts/build.sh", file=sys.stderr)
        return 2
    profiles = regress.PROFILES if args.profile == "all" else (args.profile,)
    status, written, unchanged = 0, 0, 0
    for profile in profiles:
        for point, result, error in regress.run_all(points, profile, args.sim, args.jobs):
            if error:
                print(f"update_baselines: {error}; nothing written for it", file=sys.stderr)
                status = 3
                continue
            path = regress.expected_path(point["name"], profile)
            old = None
            if os.path.exists(path):
                with open(path) as f:
                    old = json.load(f)
            if old is not None and not regress.compare(old, result):
                unchanged += 1
                continue
            print(f"\n{point['name']} ({profile}): {'new point' if old is None else 'changed'}")
            rows = [("figure", "old", "new", "")] + side_by_side(old, result)
            widths = [max(len(r[i]) for r in rows) for i in range(3)]
            for r in rows:
                print(f"  {r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}".rstrip())
            if not args.dry_run:
                write_json(path, result)
                written += 1
    print(f"\nupdate_baselines: {written} file(s) written, {unchanged} unchanged"
          + (" (dry run: nothing written)" if args.dry_run else ""))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
