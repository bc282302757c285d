#!/usr/bin/env bash
# Records the cycles of every preset platform x {tiny, rnnoise, ds2_birnn}
# into testbenches/system/timing_baseline.json, which tb_system compares
# against on every run: any change of timing fails CI until this script is
# run again and the new baseline is committed with the change that explains
# it. Usage: scripts/update_timing_baseline.sh  (after scripts/build.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=testbenches/system/timing_baseline.json
{
  echo "{"
  first=1
  for platform in iot mobile edge datacenter; do
    for spec in tiny:0 rnnoise:100 ds2_birnn:3; do
      workload=${spec%%:*}; steps=${spec##*:}
      if ! build/bin/masr-sim --platform platforms/$platform.yaml --workload workloads/$workload.yaml \
           --steps "$steps" --quiet --out "$tmp/$platform-$workload" > /dev/null 2> "$tmp/err"; then
        grep -q "does not fit" "$tmp/err" && continue
        cat "$tmp/err" >&2; exit 1
      fi
      cycles=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['summary']['cycles'])" \
               "$tmp/$platform-$workload/stats.json")
      [ $first -eq 1 ] || echo ","
      first=0
      printf '  "%s/%s/%s": %s' "$platform" "$workload" "$steps" "$cycles"
    done
  done
  echo ""
  echo "}"
} > "$tmp/baseline.json"
mv "$tmp/baseline.json" "$out"
echo "wrote $out"
