#!/usr/bin/env bash
# masr-sweep --slurm against a real Slurm: brings up a one-node cluster
# (scripts/slurm_local.sh, Debian's slurm-wlm and munge), runs the example
# sweep (platforms/sweeps/tiles_lanes.yaml; to keep CI short, its first 8
# points at 2 steps) locally and as an 8-task job array, requires the same rows apart from the
# host-time fields, and stops the cluster.
# Usage: testbenches/sweep/test_slurm.sh [MASR_SIM]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
sim=${1:-$root/build/bin/masr-sim}
tmp=$(mktemp -d /tmp/masr-slurm-test.XXXXXX)
export SLURM_LOCAL_DIR=$tmp/cluster
export SLURM_LOCAL_PORT=$(( 6900 + ($$ % 40) * 2 ))
cleanup() { "$root/scripts/slurm_local.sh" stop >/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
"$root/scripts/slurm_local.sh" start
eval "$("$root/scripts/slurm_local.sh" env)"
sweep=(/usr/bin/python3 "$root/scripts/masr-sweep" "$root/platforms/sweeps/tiles_lanes.yaml" --steps 2 --points 0-7 --sim "$sim")
"${sweep[@]}" --db "$tmp/local.db" 2> "$tmp/local.log" || { cat "$tmp/local.log"; exit 1; }
"${sweep[@]}" --db "$tmp/slurm.db" --slurm --poll 0.5 2> "$tmp/slurm.log" || { cat "$tmp/slurm.log"; exit 1; }
tail -2 "$tmp/slurm.log"
grep -q "submitted job array" "$tmp/slurm.log" || { echo "FAIL: no job array was submitted"; exit 1; }
tasks=$(ls "$tmp/slurm.slurm/logs" | wc -l)
[ "$tasks" -eq 8 ] || { echo "FAIL: $tasks array task logs, expected 8"; exit 1; }
echo "ok   8 array tasks ran under Slurm"
/usr/bin/python3 "$root/scripts/masr-sweep" compare "$tmp/local.db" "$tmp/slurm.db"
echo "1 passed, 0 failed"
