#!/usr/bin/env bash
# Installs the Debian packages the project builds and runs with. Idempotent:
# apt-get runs only when a package is missing, sudo only when not root.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang-format
  libsystemc-dev          # SystemC 2.3.4 + TLM-2.0 (pkg-config: systemc, tlm)
  libyaml-cpp-dev         # platform and workload YAML
  libboost-program-options-dev
  catch2                  # Catch2 v2 (catch2/catch.hpp)
  nlohmann-json3-dev      # stats.json, Perfetto traces
  libfmt-dev              # log and error formatting
  python3 python3-numpy python3-matplotlib python3-yaml   # plots, benchmark scripts, masr-sweep and the regression matrix (YAML)
  chromium fonts-dejavu-core   # reports' render check (scripts/html_report.py check)
  # scripts/fuzz.sh: libFuzzer targets built with clang (the normal build is g++);
  # the sanitizer and fuzzer runtimes are only a recommendation of clang-14.
  clang-14 libfuzzer-14-dev libclang-rt-14-dev
  # firmware co-simulation (masr-cosim): the RV32 core model and the firmware's
  # cross toolchain (firmware/README.md)
  libunicorn-dev gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
