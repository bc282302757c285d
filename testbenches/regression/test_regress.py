#!/usr/bin/python3
"""The regression check fails when it should: one cycle more, one changed
layer hash, one changed energy figure, each named with the point, the
figure, the old and new values and the first differing layer; and the
update script shows old against new and writes what it shows.

Runs the cheapest point (iot-tiny-masr) once, against copies of its expected
file changed one figure at a time."""
import argparse
import contextlib
import copy
import io
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import regress  # noqa: E402

POINT = "iot-tiny-masr"
failures = []
checks = []


def expect(condition, what):
    checks.append(what)
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def check_against(sim, expected_doc):
    """Exit status and stderr of `regress.py check` for POINT against expected_doc."""
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "ci"))
        with open(os.path.join(d, "ci", POINT + ".json"), "w") as f:
            json.dump(expected_doc, f)
        proc = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "regress.py"), "check", "--point", POINT,
                               "--sim", sim, "--expected", d], capture_output=True, text=True)
        return proc.returncode, proc.stderr


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sim", default=regress.default_sim())
    args = parser.parse_args()
    with open(regress.expected_path(POINT, "ci")) as f:
        recorded = json.load(f)
    point = regress.select(regress.load_matrix(), [POINT])[0]
    got = regress.run_point(point, "ci", args.sim)
    expect(regress.compare(recorded, got) == [], "a fresh run matches the recorded point")
    expect(len(got["output_crc32"]) >= 2, "the run reports a hash for every layer")

    status, err = check_against(args.sim, recorded)
    expect(status == 0, f"regress.py check passes against the recorded file (exit {status}) {err}")

    one_cycle = copy.deepcopy(recorded)
    one_cycle["cycles"] -= 1
    status, err = check_against(args.sim, one_cycle)
    expect(status == 1, f"one cycle changed fails the check (exit {status})")
    expect(f"{POINT} (ci): cycles changed: expected {one_cycle['cycles']}, got {recorded['cycles']}" in err,
           "the message names the point, the figure, the old and new values: " + err.strip().splitlines()[0])
    expect("every layer's outputs identical" in err, "and says that the outputs did not change")

    layer = copy.deepcopy(recorded)
    second = layer["output_crc32"][1]
    old_hash = second["fwd"]
    second["fwd"] = "0x00000000" if old_hash != "0x00000000" else "0x00000001"
    status, err = check_against(args.sim, layer)
    expect(status == 1, f"one layer's hash changed fails the check (exit {status})")
    expect(f"first differing layer: layer '{second['layer']}' (fwd {second['fwd']} -> {old_hash})" in err,
           "the message names the first differing layer: " + err.strip().splitlines()[0])

    energy = copy.deepcopy(recorded)
    energy["energy_pj"] = recorded["energy_pj"] * (1 + 1e-12)
    status, err = check_against(args.sim, energy)
    expect(status == 1 and "energy_pj changed" in err, f"a 1e-12 change of energy fails (exit {status})")

    # update_baselines.py shows old against new; --dry-run writes nothing.
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "scripts"))
    import update_baselines  # noqa: E402

    rows = update_baselines.side_by_side(one_cycle, got)
    cycles_row = [r for r in rows if r[0] == "cycles"][0]
    expect(cycles_row == ("cycles", str(one_cycle["cycles"]), str(recorded["cycles"]), "<- changed"),
           f"update_baselines shows cycles old and new side by side: {cycles_row}")
    expect(all(r[3] == "" for r in rows if r[0] != "cycles"), "and marks nothing else as changed")
    before = open(regress.expected_path(POINT, "ci")).read()
    with contextlib.redirect_stdout(io.StringIO()) as out:
        status = update_baselines.main(["--profile", "ci", "--point", POINT, "--dry-run", "--sim", args.sim])
    expect(status == 0 and "0 file(s) written, 1 unchanged" in out.getvalue(),
           "update_baselines --dry-run on an unchanged point writes nothing")
    expect(open(regress.expected_path(POINT, "ci")).read() == before, "the recorded file is untouched")

    print(f"{len(checks) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
