#!/usr/bin/env bash
# Formatting check (CI runs it through scripts/test.sh): every C++ source the
# repository tracks must be as clang-format (the repository's .clang-format)
# writes it. Prints each file that drifts and how to fix it.
# Usage: scripts/check_format.sh [--fix]   (--fix rewrites the drifting files)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command -v clang-format >/dev/null || { echo "check_format: clang-format is missing (scripts/setup.sh installs it)" >&2; exit 2; }
mapfile -t files < <(git ls-files '*.cpp' '*.h' '*.hpp' '*.cc')
[ ${#files[@]} -gt 0 ] || { echo "check_format: no C++ sources found (not a git checkout?)" >&2; exit 2; }
drift=()
for f in "${files[@]}"; do
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || drift+=("$f")
done
if [ ${#drift[@]} -eq 0 ]; then
  echo "check_format: ${#files[@]} C++ files formatted as .clang-format says"
  exit 0
fi
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${drift[@]}"
  echo "check_format: reformatted ${drift[*]}"
  exit 0
fi
for f in "${drift[@]}"; do echo "check_format: $f is not clang-formatted" >&2; done
echo "check_format: ${#drift[@]} of ${#files[@]} files drift; run scripts/check_format.sh --fix (or clang-format -i FILE)" >&2
exit 1
