#!/usr/bin/env bash
# CTest embed_installed_package: installs the project's build into
# BUILD/embed/install, builds this example against it with find_package(masr)
# in BUILD/embed/build, and runs it on iot + tiny.
#   testbenches/embed/run.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
prefix="$build/embed/install"
rm -rf "$build/embed"
cmake --install "$build" --prefix "$prefix" >/dev/null
cmake -S "$root/testbenches/embed" -B "$build/embed/build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$build/embed/build" -j 2 >/dev/null
cd "$root"
SC_COPYRIGHT_MESSAGE=DISABLE "$build/embed/build/masr_embed" platforms/iot.yaml workloads/tiny.yaml
