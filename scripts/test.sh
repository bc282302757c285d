#!/usr/bin/env bash
# Set-up, build and run every test (each Catch2 case in its own process).
# With CI=true it also fuzzes each parser for 15 s (scripts/fuzz.sh) when
# FUZZ_IN_CI is not 0, and runs the suite under ASan+UBSan when
# SANITIZE_IN_CI is not 0.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
(cd "$root/build" && ctest --output-on-failure -j "$(nproc)" --timeout 600)
if [ "${CI:-}" = "true" ] && [ "${FUZZ_IN_CI:-1}" != "0" ]; then
  echo "test: fuzzing the workload, platform, .npy and model-image parsers, 15 s each" >&2
  "$root/scripts/fuzz.sh" --time 15
fi
if [ "${CI:-}" = "true" ] && [ "${SANITIZE_IN_CI:-1}" != "0" ]; then
  echo "test: running the suite again under AddressSanitizer + UndefinedBehaviorSanitizer" >&2
  BUILD_DIR="$root/build-sanitize" BUILD_TYPE=RelWithDebInfo MASR_SANITIZE=ON "$root/scripts/build.sh"
  (cd "$root/build-sanitize" && ctest --output-on-failure -j "$(nproc)" --timeout 900 -LE slow)
fi
