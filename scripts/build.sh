#!/usr/bin/env bash
# Set-up, configure and build. Executables land in build/bin/.
# Environment: BUILD_DIR (default build), BUILD_TYPE (default Release),
# MASR_SANITIZE=ON for an AddressSanitizer + UndefinedBehaviorSanitizer build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
build_dir=${BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" \
  -DMASR_SANITIZE="${MASR_SANITIZE:-OFF}" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
