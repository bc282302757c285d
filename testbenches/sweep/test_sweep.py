#!/usr/bin/python3
"""masr-sweep on tiny sweeps: the database rows (axes, figures, stats, key),
a failing point recorded without stopping the sweep, a re-run skipping
finished points, a sweep killed half-way resumed with no lost or duplicated
rows, SIGINT and SIGTERM stopping a sweep with one line, 130 or 143 and
nothing half-done (also when SIGINT was ignored by the parent, as in a
shell's background job, and when a Ctrl-C reaches the simulations too), a
simulation stopped from elsewhere not recorded as a failure, the Slurm array
script's content and its worker path run locally giving the same rows as a
local run, and the report rendering in headless Chromium.

Usage: testbenches/sweep/test_sweep.py [--sim build/bin/masr-sim] [--only NAME]"""
import argparse
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "scripts", "masr-sweep")
HOST_FIELDS = ("host_seconds", "effectual_macs_per_host_second", "wall_seconds", "host", "finished_at")

# Four points that run and one whose weights do not fit 1 KiB of SRAM.
TINY = """
name: tiny_test
platform: platforms/edge.yaml
workload: tiny
axes:
  tiles: [2, 4]
  lanes: [2, 4]
  tile.weight_sram.size: [262144, 1024]
points:
  - {tiles: 2, lanes: 2, tile.weight_sram.size: 262144}
  - {tiles: 2, lanes: 4, tile.weight_sram.size: 262144}
  - {tiles: 4, lanes: 2, tile.weight_sram.size: 262144}
  - {tiles: 4, lanes: 4, tile.weight_sram.size: 262144}
  - {tiles: 4, lanes: 4, tile.weight_sram.size: 1024}
"""
# Six points slow enough (about 0.3 s each) to be killed half-way.
SLOW = """
name: slow_test
platform: platforms/edge.yaml
workload: rnnoise
steps: 150
axes:
  tiles: [2, 4, 8]
  noc.link_bytes: [8, 16]
"""

checks, failures = [], []


def expect(condition, what):
    checks.append(what)
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)


def sweep(args, sim, **kw):
    extra = [] if args[0] in ("gather", "report") else ["--sim", sim]
    return subprocess.run(["/usr/bin/python3", TOOL] + args + extra, capture_output=True, text=True, **kw)


def rows_of(db):
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    rows = {r["key"]: dict(r) for r in con.execute("SELECT * FROM points")}
    con.close()
    return rows


def model_fields(row):
    """A row without the host-time fields (in the columns and in stats.json's summary)."""
    out = {k: v for k, v in row.items() if k not in HOST_FIELDS}
    if out.get("stats"):
        stats = json.loads(out["stats"])
        for k in HOST_FIELDS:
            stats["summary"].pop(k, None)
        out["stats"] = stats
    return out


def test_rows_failure_resume(tmp, sim):
    spec = os.path.join(tmp, "tiny.yaml")
    with open(spec, "w") as f:
        f.write(TINY)
    db = os.path.join(tmp, "tiny.db")
    first = sweep([spec, "--db", db, "--jobs", "2"], sim)
    expect(first.returncode == 1, f"a sweep with a failing point exits 1 (exit {first.returncode}) {first.stderr[-300:]}")
    rows = rows_of(db)
    done = [r for r in rows.values() if r["status"] == "done"]
    failed = [r for r in rows.values() if r["status"] == "failed"]
    expect(len(rows) == 5 and len(done) == 4 and len(failed) == 1, f"5 rows: 4 done, 1 failed ({len(done)}, {len(failed)})")
    expect(failed and "does not fit" in failed[0]["error"] and failed[0]["exit_status"] == 2,
           "the failing point is recorded with masr-sim's error and exit status")
    expect(failed and failed[0]["a_tile_weight_sram_size"] == 1024, "and with its axis values")
    expect(all(len(k) == 64 and all(c in "0123456789abcdef" for c in k) for k in rows),
           "rows are keyed by a SHA-256 of the resolved configuration")
    expect(sorted((r["a_tiles"], r["a_lanes"]) for r in done) == [(2, 2), (2, 4), (4, 2), (4, 4)],
           "every axis value has its column")
    for r in done:
        stats = json.loads(r["stats"])
        if not (stats["summary"]["cycles"] == r["cycles"] and r["energy_pj"] > 0 and r["tiles"] == r["a_tiles"]
                and json.loads(r["config"])["tile"]["pe"]["lanes"] == r["a_lanes"]
                and stats["masr"] and r["critical_compute_cycles"] > 0):
            expect(False, f"row {r['axes']} holds the summary figures, the full stats.json and the configuration")
            break
    else:
        expect(True, "each row holds the summary figures, the full stats.json and the configuration")
    # One row against masr-sim run by hand: the figures are the model's.
    r = sorted(done, key=lambda r: (r["a_tiles"], r["a_lanes"]))[0]
    with tempfile.TemporaryDirectory() as out:
        args = r["command"].split()[1:]
        subprocess.run([sim] + args + ["--quiet", "--out", out], cwd=ROOT, check=True, capture_output=True)
        with open(os.path.join(out, "stats.json")) as f:
            direct = json.load(f)["summary"]
    expect(direct["cycles"] == r["cycles"] and direct["energy_pj"] == r["energy_pj"],
           f"the row's cycles are those of `{r['command']}` ({direct['cycles']})")

    again = sweep([spec, "--db", db, "--jobs", "2"], sim)
    expect(again.returncode == 0 and "5 already in the database" in again.stderr,
           f"a re-run skips every finished point, the failed one included: {again.stderr.strip().splitlines()[-1]}")
    expect(rows_of(db) == rows, "and leaves the database as it was")
    retry = sweep([spec, "--db", db, "--retry-failed"], sim)
    expect(retry.returncode == 1 and "4 already in the database" in retry.stderr and len(rows_of(db)) == 5,
           "--retry-failed runs only the failed point again, replacing its row")
    return db


def wait_for_rows(proc, db, rows, seconds=120):
    """Until the running sweep has written `rows` rows (or ended)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        if os.path.exists(db):
            con = sqlite3.connect(db)
            try:
                count = con.execute("SELECT count(*) FROM points").fetchone()[0]
            except sqlite3.Error:  # not created yet
                count = 0
            finally:
                con.close()  # an open reader would keep the sweep's -wal file
            if count >= rows:
                return


def test_killed_and_resumed(tmp, sim):
    spec = os.path.join(tmp, "slow.yaml")
    with open(spec, "w") as f:
        f.write(SLOW)
    db = os.path.join(tmp, "slow.db")
    # Its own TMPDIR, so that the check for left-over simulations sees only
    # this sweep's, not those of tests running beside it (ctest -j).
    private_tmp = os.path.join(tmp, "tmp_killed")
    os.makedirs(private_tmp)
    proc = subprocess.Popen(["/usr/bin/python3", TOOL, spec, "--db", db, "--jobs", "1", "--sim", sim],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=dict(os.environ, TMPDIR=private_tmp))
    wait_for_rows(proc, db, 2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = rows_of(db)
    expect(2 <= len(before) < 6, f"the sweep was killed half-way ({len(before)} of 6 rows)")
    leftover = sims_left(sim, private_tmp)
    expect(not leftover, f"no masr-sim outlives the killed sweep ({leftover})")
    resumed = sweep([spec, "--db", db, "--jobs", "2"], sim)
    after = rows_of(db)
    expect(resumed.returncode == 0 and f"{len(before)} already in the database" in resumed.stderr,
           f"the re-run skips the {len(before)} finished points")
    expect(len(after) == 6 and all(after[k] == v for k, v in before.items()),
           "after it every point has exactly one row, the earlier ones untouched")
    return spec, db


def sims_left(sim, folder):
    """masr-sim processes still running with their files in folder (this sweep's)."""
    time.sleep(0.3)
    return subprocess.run(["pgrep", "-f", f"^{re.escape(sim)} .*{re.escape(folder)}/"], capture_output=True,
                          text=True).stdout.split()


def test_stopped_by_signal(tmp, sim):
    spec = os.path.join(tmp, "stop.yaml")
    with open(spec, "w") as f:
        f.write(SLOW.replace("slow_test", "stop_test"))
    # (signal, to the whole process group as a terminal's Ctrl-C, SIGINT ignored by the parent)
    for signum, group, ignored in ((signal.SIGINT, False, True), (signal.SIGINT, True, False),
                                   (signal.SIGTERM, False, False), (signal.SIGTERM, True, False)):
        name = signal.Signals(signum).name
        how = f"{name}{' to the process group' if group else ''}{' (SIGINT ignored by the parent)' if ignored else ''}"
        db = os.path.join(tmp, f"stop_{name}_{int(group)}.db")
        private_tmp = os.path.join(tmp, f"tmp_{name}_{int(group)}")
        os.makedirs(private_tmp)
        preexec = (lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if ignored else None
        proc = subprocess.Popen(["/usr/bin/python3", TOOL, spec, "--db", db, "--jobs", "2", "--sim", sim],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                env=dict(os.environ, TMPDIR=private_tmp), start_new_session=True,
                                preexec_fn=preexec)
        wait_for_rows(proc, db, 1)
        running = proc.poll() is None
        start = time.monotonic()
        for _ in range(2):  # a second signal while it stops changes nothing
            if group:
                os.killpg(proc.pid, signum)
            else:
                proc.send_signal(signum)
            time.sleep(0.02)
        _, err = proc.communicate(timeout=60)
        took = time.monotonic() - start
        lines = err.strip().splitlines()
        expect(running and proc.returncode == 128 + signum,
               f"{how} stops the sweep with exit {128 + signum} (exit {proc.returncode}, {took:.2f} s)")
        expect(lines and lines[-1] == f"masr-sweep: stopped by {name}; every finished point is in the database, "
                                      "a re-run resumes" and "Traceback" not in err,
               f"{how}: one line says so ({lines[-1] if lines else ''!r})")
        rows = rows_of(db)
        expect(1 <= len(rows) < 6 and all(r["status"] == "done" for r in rows.values()),
               f"{how}: the finished points are rows, no stopped simulation is a failed row "
               f"({sorted(r['status'] for r in rows.values())})")
        expect(not os.listdir(private_tmp), f"{how}: no temporary folder or staging folder is left "
                                            f"({os.listdir(private_tmp)})")
        expect(not sims_left(sim, private_tmp), f"{how}: no masr-sim outlives the sweep")
        expect(not [n for n in os.listdir(tmp) if n.startswith(os.path.basename(db)) and n != os.path.basename(db)],
               f"{how}: the database is closed (no -wal or -journal file beside it)")
    resumed = sweep([spec, "--db", db, "--jobs", "2"], sim)
    expect(resumed.returncode == 0 and len(rows_of(db)) == 6 and f"{len(rows)} already in the database" in resumed.stderr,
           "a re-run after the stop runs the rest")

    # A simulation stopped from elsewhere: its point is no failure, the sweep goes on and exits 1.
    # (A simulation that ends between being found and the kill spoils an attempt: then once more.)
    for attempt in range(3):
        db = os.path.join(tmp, f"stop_child_{attempt}.db")
        proc = subprocess.Popen(["/usr/bin/python3", TOOL, spec, "--db", db, "--jobs", "1", "--sim", sim],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wait_for_rows(proc, db, 1)
        killed = False
        while proc.poll() is None and not killed:
            children = subprocess.run(["pgrep", "-P", str(proc.pid), "-f", f"^{re.escape(sim)} .* --out "],
                                      capture_output=True, text=True).stdout.split()
            for child in children:
                try:
                    os.kill(int(child), signal.SIGTERM)
                    killed = True
                    break
                except ProcessLookupError:
                    pass
            time.sleep(0.01)
        _, err = proc.communicate(timeout=120)
        rows = rows_of(db)
        if not (killed and proc.returncode == 0 and len(rows) == 6):
            break
    expect(killed and proc.returncode == 1 and len(rows) == 5 and all(r["status"] == "done" for r in rows.values()),
           f"a masr-sim stopped by SIGTERM from elsewhere is not recorded; the sweep goes on and exits 1 "
           f"(exit {proc.returncode}, {len(rows)} rows)")
    # Exit 143 from masr-sim's handler, or SIGTERM itself when the kill came
    # before the handler was installed (a loaded machine).
    expect(re.search(r"point \d+ \{.*\}: masr-sim was stopped by a signal \((exit 143|SIGTERM, before masr-sim "
                     r"could handle it)\); not recorded, a re-run runs it", err) is not None,
           "and says which point it was")


def test_slurm_script_and_worker(tmp, sim, spec, local_db):
    db = os.path.join(tmp, "slurm.db")
    work = os.path.join(tmp, "slurm-work")
    gen = sweep([spec, "--db", db, "--slurm", "--no-submit", "--work-dir", work, "--sbatch-arg=--partition=short",
                 "--sbatch-arg=--account=masr"], sim)
    expect(gen.returncode == 0, f"--slurm --no-submit writes the job array ({gen.stderr.strip()[-200:]})")
    with open(os.path.join(work, "array.sbatch")) as f:
        script = f.read()
    with open(os.path.join(work, "points.json")) as f:
        points = json.load(f)["points"]
    lines = script.splitlines()
    expect(lines[0] == "#!/bin/bash" and "#SBATCH --array=0-5" in lines, "one array task per point: --array=0-5")
    expect("#SBATCH --partition=short" in lines and "#SBATCH --account=masr" in lines,
           "the --sbatch-arg options are in the script")
    expect(f"#SBATCH --output={work}/logs/%A_%a.out" in lines, "each task logs to WORK_DIR/logs")
    expect(any(line.startswith("exec /usr/bin/python3 ") and ' worker ' in line and '--index "$SLURM_ARRAY_TASK_ID"' in line
               for line in lines), "each task runs the worker on its index")
    # The script itself, as Slurm would run each task.
    for i in range(len(points)):
        env = dict(os.environ, SLURM_ARRAY_TASK_ID=str(i))
        task = subprocess.run(["bash", os.path.join(work, "array.sbatch")], env=env, capture_output=True, text=True)
        if task.returncode != 0:
            expect(False, f"array task {i} ran: {task.stderr.strip()[-300:]}")
            return
    got = sweep(["gather", work, "--db", db], sim)
    expect(got.returncode == 0, f"gather collects the tasks' results ({got.stderr.strip()})")
    local, slurm = rows_of(local_db), rows_of(db)
    expect(set(local) == set(slurm), "the array gives the same points (keys) as the local run")
    expect(set(local) == set(slurm) and all(model_fields(local[k]) == model_fields(slurm[k]) for k in local),
           "and the same rows, apart from the host-time fields")
    again = sweep([spec, "--db", db, "--slurm", "--no-submit", "--work-dir", work + "2"], sim)
    expect(again.returncode == 0 and "every point is already in the database" in again.stderr,
           "--slurm on a complete database submits nothing")


def test_report(tmp, sim, db):
    out = os.path.join(tmp, "report")
    rep = sweep(["report", db, "--out", out, "--plot", "lanes:cycles"], sim)
    expect(rep.returncode == 0, f"report runs ({rep.stderr.strip()[-300:]})")
    with open(os.path.join(out, "points.csv")) as f:
        lines = f.read().splitlines()
    expect(len(lines) == 6 and "a_tiles" in lines[0] and "cycles" in lines[0], "points.csv: a header and 5 points")
    with open(os.path.join(out, "report.html")) as f:
        page = f.read()
    expect("Failed points" in page and "does not fit" in page, "the report lists the failed point with its error")
    chk = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "scripts", "html_report.py"), "check",
                          os.path.join(out, "report.html"), "--min-plots", "4"], capture_output=True, text=True)
    expect(chk.returncode == 0, f"headless Chromium renders its 4 plots ({(chk.stdout + chk.stderr).strip()})")
    bad = sweep(["report", db, "--out", out, "--plot", "lanes:nonsense"], sim)
    expect(bad.returncode == 2 and "no column 'nonsense'" in bad.stderr, "an unknown --plot column is named")


def test_bad_input(tmp, sim):
    spec = os.path.join(tmp, "bad.yaml")
    with open(spec, "w") as f:
        f.write("platform: platforms/edge.yaml\nworkload: tiny\naxes:\n  lanez: [2, 4]\n")
    bad = sweep([spec, "--db", os.path.join(tmp, "bad.db")], sim)
    expect(bad.returncode == 2 and "axis 'lanez'" in bad.stderr, f"an unknown axis is named: {bad.stderr.strip()}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sim", default=os.path.join(ROOT, "build", "bin", "masr-sim"))
    args = parser.parse_args()
    sim = os.path.abspath(args.sim)
    with tempfile.TemporaryDirectory(prefix="masr-sweep-test-") as tmp:
        test_bad_input(tmp, sim)
        tiny_db = test_rows_failure_resume(tmp, sim)
        slow_spec, slow_db = test_killed_and_resumed(tmp, sim)
        test_stopped_by_signal(tmp, sim)
        test_slurm_script_and_worker(tmp, sim, slow_spec, slow_db)
        test_report(tmp, sim, tiny_db)
    print(f"{len(checks) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
