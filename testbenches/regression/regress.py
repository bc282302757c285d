#!/usr/bin/python3
"""The regression matrix (matrix.yaml): runs each point with masr-sim and
requires its figures to match expected/<profile>/<point>.json exactly:
cycles, load cycles, effectual and performed MACs, energy, area and the
CRC-32 of every layer's outputs per direction. The model is deterministic, so
any difference is a change of the model; a mismatch names the point, the
figure, the old and new values and the first layer whose outputs differ.

Usage:
  testbenches/regression/regress.py check [--profile ci|nightly] [--point NAME ...] [--jobs N]
  testbenches/regression/regress.py list [--profile ci|nightly]
  testbenches/regression/regress.py complete   (every point has both profiles' files, no stray file)
The nightly profile runs every workload's whole sequence:
  testbenches/regression/regress.py check --profile nightly
After an intended change: scripts/update_baselines.py (prints old against new
before writing).

Exit status: 0 every point matches, 1 a mismatch, 2 bad input (an unknown
point, a missing expected file), 3 masr-sim failed.
"""
import argparse
import concurrent.futures
import json
import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MATRIX = os.path.join(HERE, "matrix.yaml")
EXPECTED = os.path.join(HERE, "expected")  # regress.py --expected DIR overrides it (the self-test)
PROFILES = ("ci", "nightly")
# Summary figures compared exactly, in the order a mismatch reports them.
FIGURES = ("cycles", "load_cycles", "effectual_macs", "performed_macs", "energy_pj", "area_mm2")


class BadInput(Exception):
    pass


def load_matrix(path=MATRIX):
    import yaml

    with open(path) as f:
        doc = yaml.safe_load(f)
    points = []
    seen = set()
    for i, p in enumerate((doc or {}).get("points") or []):
        for key in ("platform", "workload", "arch"):
            if key not in p:
                raise BadInput(f"{path}: point {i + 1} has no '{key}'")
        name = f"{p['platform']}-{p['workload']}-{p['arch']}" + (f"-{p['tiles']}tiles" if p.get("tiles") else "")
        if name in seen:
            raise BadInput(f"{path}: point {name} is listed twice")
        seen.add(name)
        points.append(dict(p, name=name))
    return points


def steps_of(point, profile):
    steps = point.get("steps", 0)
    return int(steps[profile]) if isinstance(steps, dict) else int(steps)


def arguments(point, profile):
    """masr-sim's arguments for a point (paths relative to the repository)."""
    args = ["--platform", f"platforms/{point['platform']}.yaml", "--workload", f"workloads/{point['workload']}.yaml",
            "--arch", point["arch"]]
    if point.get("tiles"):
        args += ["--tiles", str(point["tiles"])]
    if steps_of(point, profile):
        args += ["--steps", str(steps_of(point, profile))]
    for s in point.get("set") or []:
        args += ["--set", s]
    return args


def expected_path(name, profile):
    return os.path.join(EXPECTED, profile, name + ".json")


def default_sim():
    return os.environ.get("MASR_SIM", os.path.join(ROOT, "build", "bin", "masr-sim"))


def run_point(point, profile, sim):
    """The point's figures as an expected file holds them; raises RuntimeError when masr-sim fails."""
    args = arguments(point, profile)
    with tempfile.TemporaryDirectory(prefix="masr-regress-") as out:
        proc = subprocess.run([sim] + args + ["--quiet", "--out", out], cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{point['name']}: masr-sim exited {proc.returncode}: {proc.stderr.strip()}")
        with open(os.path.join(out, "stats.json")) as f:
            stats = json.load(f)
    s = stats["summary"]
    result = {"point": point["name"], "profile": profile, "command": "masr-sim " + shlex.join(args),
              "steps": s["steps"]}
    for figure in FIGURES:
        result[figure] = s.get(figure)  # energy and area are absent only if the model has none
    result["output_crc32"] = stats.get("output_crc32", [])
    return result


def first_differing_layer(old, new):
    """'layer NAME (fwd 0x... -> 0x...)', or None when every layer's outputs are identical."""
    by_name = {entry["layer"]: entry for entry in new}
    for entry in old:
        other = by_name.get(entry["layer"])
        if other is None:
            return f"layer '{entry['layer']}' (missing from the new run)"
        for d in ("fwd", "bwd"):
            if entry.get(d) != other.get(d):
                return f"layer '{entry['layer']}' ({d} {entry.get(d)} -> {other.get(d)})"
    if len(new) != len(old):
        return f"{len(old)} layers expected, {len(new)} in the new run"
    return None


def compare(expected, got):
    """Messages naming every differing figure; empty when the point matches."""
    name, profile = got["point"], got["profile"]
    messages = []
    layer = first_differing_layer(expected.get("output_crc32", []), got.get("output_crc32", []))
    outputs = f"first differing layer: {layer}" if layer else "every layer's outputs identical"
    for figure in ("steps",) + FIGURES:
        old, new = expected.get(figure), got.get(figure)
        if old != new:
            delta = ""
            if isinstance(old, (int, float)) and isinstance(new, (int, float)) and old:
                delta = f" ({new - old:+g}, {100.0 * (new - old) / old:+.4f} %)"
            messages.append(f"{name} ({profile}): {figure} changed: expected {old}, got {new}{delta}; {outputs}")
    if layer and not messages:
        messages.append(f"{name} ({profile}): outputs changed: {outputs}")
    return messages


def select(points, names):
    if not names:
        return points
    known = {p["name"]: p for p in points}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise BadInput(f"unknown point(s) {', '.join(unknown)}; `regress.py list` names them")
    return [known[n] for n in names]


def run_all(points, profile, sim, jobs):
    """[(point, result or None, error or None)] in matrix order."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(run_point, p, profile, sim) for p in points]
        out = []
        for p, f in zip(points, futures):
            try:
                out.append((p, f.result(), None))
            except RuntimeError as e:
                out.append((p, None, str(e)))
        return out


def check(points, profile, sim, jobs):
    for p in points:
        if not os.path.exists(expected_path(p["name"], profile)):
            raise BadInput(f"{expected_path(p['name'], profile)} is missing; record it with "
                           f"scripts/update_baselines.py --profile {profile} --point {p['name']}")
    status = 0
    for p, result, error in run_all(points, profile, sim, jobs):
        if error:
            print(f"regress: {error}", file=sys.stderr)
            status = max(status, 3)
            continue
        with open(expected_path(p["name"], profile)) as f:
            expected = json.load(f)
        messages = compare(expected, result)
        for m in messages:
            print(f"regress: MISMATCH {m}", file=sys.stderr)
        if messages:
            print(f"regress: if the change is intended: scripts/update_baselines.py --profile {profile} "
                  f"--point {p['name']}", file=sys.stderr)
            status = max(status, 1)
        else:
            print(f"regress: {p['name']} ({profile}): {result['cycles']} cycles, "
                  f"{len(result['output_crc32'])} layer hashes: as expected")
    return status


def complete(points):
    """Problems: a point without an expected file in a profile, a file of no point."""
    problems = []
    names = {p["name"] for p in points}
    for profile in PROFILES:
        for name in sorted(names):
            if not os.path.exists(expected_path(name, profile)):
                problems.append(f"{expected_path(name, profile)} is missing: scripts/update_baselines.py "
                                f"--profile {profile} --point {name}")
        directory = os.path.join(EXPECTED, profile)
        for f in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
            if f.endswith(".json") and f[:-5] not in names:
                problems.append(f"{os.path.join(directory, f)} belongs to no point of the matrix; delete it")
    return problems


def main(argv):
    global EXPECTED
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for cmd in ("check", "list", "complete"):
        c = sub.add_parser(cmd)
        c.add_argument("--profile", choices=PROFILES, default="ci")
        c.add_argument("--matrix", default=MATRIX, help=argparse.SUPPRESS)
        c.add_argument("--expected", default=EXPECTED, help=argparse.SUPPRESS)
        if cmd == "check":
            c.add_argument("--point", action="append", default=[], metavar="NAME", help="only this point (repeatable)")
            c.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)
            c.add_argument("--sim", default=default_sim(), help="masr-sim binary (default build/bin/masr-sim, or $MASR_SIM)")
    args = parser.parse_args(argv)
    EXPECTED = args.expected
    try:
        points = load_matrix(args.matrix)
        if args.command == "list":
            for p in points:
                print(p["name"], "masr-sim", shlex.join(arguments(p, args.profile)))
            return 0
        if args.command == "complete":
            problems = complete(points)
            for m in problems:
                print(f"regress: {m}", file=sys.stderr)
            if not problems:
                print(f"regress: all {len(points)} points have expected files in {', '.join(PROFILES)}")
            return 1 if problems else 0
        if not os.access(args.sim, os.X_OK):
            raise BadInput(f"{args.sim} is not an executable masr-sim; run scripts/build.sh or pass --sim")
        return check(select(points, args.point), args.profile, args.sim, args.jobs)
    except BadInput as e:
        print(f"regress: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
