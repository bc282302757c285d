#!/usr/bin/python3
"""rnnoise_vad frame by frame, host-compiled and RV32 (issue 8): the same
lines and the same accelerator cycles of every job (stats.json:
masr.csr.job_cycles, masr.csr.jobs), each run bit-exact (exit 0).

Usage: test_both_modes.py --cosim BIN --firmware-dir DIR [--steps N]
"""
import argparse
import json
import subprocess
import sys
import tempfile


def run(cosim, firmware, steps, out):
    p = subprocess.run([cosim, "--platform", "platforms/iot.yaml", "--workload", "workloads/rnnoise.yaml",
                        "--firmware", firmware, "--steps", str(steps), "--out", out],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{firmware}: exit {p.returncode}\n{p.stdout}\n{p.stderr}")
    lines = [l for l in p.stdout.splitlines() if l.startswith("frame ")]
    with open(f"{out}/stats.json") as f:
        csr = json.load(f)["masr"]["csr"]
    return lines, csr["jobs"], csr["job_cycles"], csr["interrupts"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cosim", required=True)
    parser.add_argument("--firmware-dir", required=True)
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        native = run(args.cosim, "native:rnnoise_vad", args.steps, f"{tmp}/native")
        rv32 = run(args.cosim, f"{args.firmware_dir}/rnnoise_vad.elf", args.steps, f"{tmp}/rv32")
    failed = False
    if len(native[0]) != args.steps:
        print(f"native: {len(native[0])} frame lines, expected {args.steps}")
        failed = True
    if native[1] != args.steps or native[3] != args.steps:
        print(f"native: {native[1]} jobs and {native[3]} interrupts, expected one each per frame")
        failed = True
    for what, i in (("frame lines", 0), ("jobs", 1), ("job cycles", 2), ("interrupts", 3)):
        if native[i] != rv32[i]:
            print(f"{what} differ: native {native[i] if i else len(native[0])}, RV32 {rv32[i] if i else len(rv32[0])}")
            failed = True
    print(f"{args.steps} frames, {native[1]} jobs, {native[2]} accelerator cycles in both modes"
          if not failed else "MISMATCH")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
