#!/usr/bin/env bash
# Set-up, build and run every test (each Catch2 case in its own process),
# then check the C++ formatting (scripts/check_format.sh). JUnit XML of every
# ctest run goes to $JUNIT_DIR (default build/junit): ctest.xml, and
# ctest-sanitize.xml for the sanitizer pass.
# With CI=true it also fuzzes each parser for 8 s (scripts/fuzz.sh) when
# FUZZ_IN_CI is not 0, and runs the suite under ASan+UBSan when
# SANITIZE_IN_CI is not 0, and the host-thread tests under ThreadSanitizer
# when TSAN_IN_CI is not 0.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
junit_dir=${JUNIT_DIR:-$root/build/junit}
mkdir -p "$junit_dir"
junit_dir=$(cd "$junit_dir" && pwd)
"$root/scripts/build.sh"
status=0
(cd "$root/build" && ctest --output-on-failure -j "$(nproc)" --timeout 600 \
  --output-junit "$junit_dir/ctest.xml") || status=$?
echo "test: JUnit XML in $junit_dir/ctest.xml" >&2
"$root/scripts/check_format.sh" || status=1
[ $status -eq 0 ] || exit $status
if [ "${CI:-}" = "true" ] && [ "${FUZZ_IN_CI:-1}" != "0" ]; then
  echo "test: fuzzing the workload, platform, .npy, model-image and register inputs, 8 s each" >&2
  "$root/scripts/fuzz.sh" --time 8
fi
if [ "${CI:-}" = "true" ] && [ "${SANITIZE_IN_CI:-1}" != "0" ]; then
  echo "test: running the suite again under AddressSanitizer + UndefinedBehaviorSanitizer" >&2
  BUILD_DIR="$root/build-sanitize" BUILD_TYPE=RelWithDebInfo MASR_SANITIZE=ON "$root/scripts/build.sh"
  # use_stacks=0: see masr_add_testbench (cmake/masr_targets.cmake); the
  # script tests run masr-sim and the other tools under it too.
  (cd "$root/build-sanitize" && LSAN_OPTIONS=use_stacks=0 ctest --output-on-failure -j "$(nproc)" --timeout 900 -LE slow \
    --output-junit "$junit_dir/ctest-sanitize.xml")
fi
if [ "${CI:-}" = "true" ] && [ "${TSAN_IN_CI:-1}" != "0" ]; then
  # Host threads live in plain C++ (models/common/host_threads, weight
  # generation); the SystemC kernel itself stays on one thread.
  echo "test: running the host-thread tests under ThreadSanitizer" >&2
  cmake -S "$root" -B "$root/build-tsan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMASR_TSAN=ON >/dev/null
  cmake --build "$root/build-tsan" -j "$(nproc)" --target tb_common tb_workloads
  export SC_COPYRIGHT_MESSAGE=DISABLE TSAN_OPTIONS=halt_on_error=1 MASR_SOURCE_DIR="$root"
  (cd "$root" && build-tsan/bin/tb_common "[threads]" && build-tsan/bin/tb_workloads "[threads]")
fi
