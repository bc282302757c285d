#!/usr/bin/python3
"""Generates the firmware C header and the Markdown register page from
registers.yaml, so that the map has one source.

    gen_registers.py registers.yaml --header masr_regs.h --markdown registers.md

Each output is written to a temporary file and renamed, so a failed run
leaves no half-written file."""
import argparse
import os
import sys

import yaml


def fail(path, what):
    sys.exit(f"{path}: {what}")


def bit_range(path, reg, field):
    text = str(field["bits"])
    parts = text.split(":")
    try:
        hi = int(parts[0])
        lo = int(parts[1]) if len(parts) == 2 else hi
    except ValueError:
        fail(path, f"register {reg}: field {field['name']}: bits '{text}' is not 'N' or 'HI:LO'")
    if len(parts) > 2 or not 0 <= lo <= hi <= 31:
        fail(path, f"register {reg}: field {field['name']}: bits '{text}' must be within 31:0")
    return hi, lo


def load(path):
    with open(path) as f:
        spec = yaml.safe_load(f)
    seen = {}
    for r in spec["registers"]:
        for key in ("name", "offset", "access", "doc"):
            if key not in r:
                fail(path, f"register {r.get('name', '?')}: missing '{key}'")
        if r["access"] not in ("ro", "rw", "wo", "w1c"):
            fail(path, f"register {r['name']}: access '{r['access']}': expected ro, rw, wo or w1c")
        if r["offset"] % 4 or r["offset"] >= spec["window_bytes"]:
            fail(path, f"register {r['name']}: offset {r['offset']:#x} not aligned or outside the window")
        if r["offset"] in seen:
            fail(path, f"register {r['name']}: offset {r['offset']:#x} is also {seen[r['offset']]}")
        seen[r["offset"]] = r["name"]
        mask = 0
        for fld in r.get("fields", []):
            hi, lo = bit_range(path, r["name"], fld)
            fld["hi"], fld["lo"] = hi, lo
            bits = ((1 << (hi - lo + 1)) - 1) << lo
            if mask & bits:
                fail(path, f"register {r['name']}: field {fld['name']} overlaps another field")
            mask |= bits
        # A register without fields is a plain 32-bit value.
        r["mask"] = mask if r.get("fields") else 0xFFFFFFFF
    return spec


def header(spec):
    b = spec["block"]
    out = [
        "/* Generated from models/csr/registers.yaml by models/csr/gen_registers.py: do not edit. */",
        "#ifndef MASR_REGS_H",
        "#define MASR_REGS_H",
        "",
        f"#define {b}_WINDOW_BYTES 0x{spec['window_bytes']:x}u",
        "",
    ]
    access_code = {"ro": 0, "rw": 1, "wo": 2, "w1c": 3}
    for r in spec["registers"]:
        n = f"{b}_{r['name']}"
        out.append(f"/* {r['name']} ({r['access']}): {r['doc']} */")
        out.append(f"#define {n} 0x{r['offset']:02x}u")
        out.append(f"#define {n}_ACCESS {access_code[r['access']]}")
        out.append(f"#define {n}_MASK 0x{r['mask']:08x}u")
        out.append(f"#define {n}_RESET 0x{r.get('reset', 0):08x}u")
        for fld in r.get("fields", []):
            width = fld["hi"] - fld["lo"] + 1
            m = ((1 << width) - 1) << fld["lo"]
            out.append(f"#define {n}_{fld['name']}_SHIFT {fld['lo']}")
            out.append(f"#define {n}_{fld['name']} 0x{m:08x}u /* {fld['doc']} */")
        out.append("")
    out.append("/* STATUS.ERROR codes */")
    for e in spec["errors"]:
        out.append(f"#define MASR_ERR_{e['name']} {e['value']} /* {e['doc']} */")
    out.append("")
    # A table for the model (and tools) that walk the map.
    out.append("#define MASR_CSR_REGISTERS(X) \\")
    for r in spec["registers"]:
        out.append(f"    X({r['name']}, {b}_{r['name']}) \\")
    out.append("")
    out.append("#define MASR_CSR_ERRORS(X) \\")
    for e in spec["errors"]:
        out.append(f"    X({e['name']}, {e['value']}) \\")
    out.append("")
    out.append("#endif")
    return "\n".join(out) + "\n"


def markdown(spec):
    out = [
        "# MASR register map",
        "",
        "Generated from `models/csr/registers.yaml` by `models/csr/gen_registers.py`; the",
        "firmware header `masr_regs.h` comes from the same source. Every register is an",
        "aligned 32-bit word; other widths, unmapped offsets, writes to read-only registers",
        "and 1s written to reserved bits get a TLM error response, a log line naming the",
        "register, and STATUS.ERROR.",
        "",
        f"Window: 0x{spec['window_bytes']:x} bytes.",
        "",
        "| offset | register | access | reset | fields | what |",
        "|---|---|---|---|---|---|",
    ]
    for r in spec["registers"]:
        fields = "<br>".join(
            f"`{f['name']}` [{f['hi']}:{f['lo']}]" if f["hi"] != f["lo"] else f"`{f['name']}` [{f['lo']}]"
            for f in r.get("fields", []))
        doc = r["doc"].replace("|", "\\|")
        out.append(f"| 0x{r['offset']:02x} | `{r['name']}` | {r['access']} | 0x{r.get('reset', 0):x} | "
                   f"{fields or '31:0'} | {doc} |")
    out += ["", "## Fields", ""]
    for r in spec["registers"]:
        for f in r.get("fields", []):
            out.append(f"* `{r['name']}.{f['name']}`: {f['doc']}")
    out += ["", "## Error codes (STATUS.ERROR)", "", "| code | name | when |", "|---|---|---|"]
    for e in spec["errors"]:
        out.append(f"| {e['value']} | `MASR_ERR_{e['name']}` | {e['doc']} |")
    return "\n".join(out) + "\n"


def write_whole(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("spec")
    p.add_argument("--header")
    p.add_argument("--markdown")
    a = p.parse_args()
    spec = load(a.spec)
    if a.header:
        write_whole(a.header, header(spec))
    if a.markdown:
        write_whole(a.markdown, markdown(spec))


if __name__ == "__main__":
    main()
