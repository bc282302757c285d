#!/usr/bin/env bash
# Builds the libFuzzer targets (testbenches/fuzz: workload YAML, platform-style
# property groups, .npy, model images, register-access sequences) with clang, ASan and UBSan in their own build
# directory, and runs each one, starting from the seed corpus in the
# repository. A crash, sanitizer report, leak or hang (a unit over 10 s) ends
# the script with a non-zero status; the input is left in
# build-fuzz/artifacts/<target>/ and becomes a regression test.
#
# Usage: scripts/fuzz.sh [--time S] [--runs N] [TARGET...]
#   --time S   run each target for S seconds (default 20; CI uses 15)
#   --runs N   run each target for N executions instead (the long mode:
#              --runs 1000000)
#   TARGET     workload, platform, npy, image or registers (default: all five)
# Environment: FUZZ_BUILD_DIR (default build-fuzz).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
time_s=20
runs=""
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) time_s=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    workload|platform|npy|image|registers) targets+=("$1"); shift ;;
    *) echo "fuzz: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(workload platform npy image registers)
case "$time_s$runs" in *[!0-9]*) echo "fuzz: --time and --runs take whole numbers" >&2; exit 2 ;; esac

"$root/scripts/setup.sh"
build_dir=${FUZZ_BUILD_DIR:-$root/build-fuzz}
cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMASR_FUZZ=ON \
  -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target "${targets[@]/#/fuzz_}"

# The register fuzzer's system memory holds a real image (tiny on iot), so
# that START gets past the CRC check; the normal build's masr-pack writes it.
for t in "${targets[@]}"; do
  if [ "$t" = registers ]; then
    cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$root/build" -j "$(nproc)" --target masr-pack >/dev/null
    "$root/build/bin/masr-pack" --workload "$root/workloads/tiny.yaml" \
      --platform "$root/platforms/iot.yaml" -o "$build_dir/registers.img" >/dev/null
    export MASR_FUZZ_IMAGE="$build_dir/registers.img"
  fi
done
for t in "${targets[@]}"; do
  corpus="$build_dir/corpus/$t"     # grows; the repository's seeds stay as they are
  artifacts="$build_dir/artifacts/$t/"
  mkdir -p "$corpus" "$artifacts"
  # 4 GiB: ASan keeps every new allocation stack (yaml-cpp has many), so RSS
  # grows over a long run although the loaders themselves do not leak.
  # An image's tables outgrow 4 KiB with a few layers; the text formats do not.
  max_len=4096
  [ "$t" = image ] && max_len=16384
  # SystemC runs processes on stacks of its own, which LeakSanitizer does
  # not scan: what only a process's stack points to would look leaked, so
  # the register target runs without leak checks (ASan and UBSan stay on).
  leaks=1
  [ "$t" = registers ] && leaks=0
  export ASAN_OPTIONS="detect_leaks=$leaks"
  options=(-timeout=10 -rss_limit_mb=4096 -max_len=$max_len -detect_leaks=$leaks -print_final_stats=1
           -dict="$root/testbenches/fuzz/$t.dict" -artifact_prefix="$artifacts")
  if [ -n "$runs" ]; then options+=(-runs="$runs"); else options+=(-max_total_time="$time_s"); fi
  log="$build_dir/fuzz_$t.log"
  if [ -n "$runs" ]; then budget="$runs runs"; else budget="$time_s s"; fi
  echo "fuzz: $t, $budget (log: $log)" >&2
  status=0
  "$build_dir/bin/fuzz_$t" "${options[@]}" "$corpus" "$root/testbenches/fuzz/corpus/$t" \
    > "$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  echo "fuzz: $t: ${execs:-?} executions, ${rate:-?}/s, peak RSS ${rss:-?} MB, status $status" >&2
  if [ "$status" -ne 0 ]; then
    grep -E "ERROR|SUMMARY|Test unit written|==[0-9]+==" "$log" | head -20 >&2
    exit 1
  fi
done
