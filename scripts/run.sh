#!/usr/bin/env bash
# The main job: set-up, build, and a default run of masr-sim -- Deep Speech 2's
# five bidirectional ReLU RNN layers on the 16-tile edge platform, checked
# bit for bit against the golden reference. Results go to out/run/ (stats.json,
# summary.csv, trace.json for ui.perfetto.dev, run.png).
# Extra arguments are passed to masr-sim (e.g. --steps 20, --tiles 48).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
cd "$root"
build/bin/masr-sim --platform platforms/edge.yaml --workload workloads/ds2_birnn.yaml \
  --check --out out/run --trace perfetto "$@"
# A picture of the run: tile activity over time and per-tile utilization.
# Debian's python3 (where setup.sh installed matplotlib), not one earlier on PATH.
/usr/bin/python3 scripts/plot_run.py out/run
