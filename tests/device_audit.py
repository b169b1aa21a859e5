#!/usr/bin/env python3
"""Every tensor the library creates follows the model's device.

A factory call (torch::zeros, randn, empty, tensor, ...) without TensorOptions
makes a CPU tensor; on a CUDA run that is either a silent copy or a
"tensors on different devices" error. So each factory call in the library's
sources must take options or a device (`x.options()`, `TensorOptions().device(...)`,
`.to(device)` on the same statement), or say on a line of that statement, after
`// host:`, why a CPU tensor is meant (a scalar drawn and read with .item(), a staging
buffer moved afterwards, CPU-side bookkeeping). Run by ctest; prints each
offending line with its file and line number.

    /usr/bin/python3 tests/device_audit.py [SOURCE_ROOT]
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FOLDERS = ["sim", "areas", "neuromod", "hippocampus", "dreams", "data"]
FACTORY = re.compile(r"\btorch::(zeros|ones|empty|full|rand|randn|randint|randperm|arange|linspace|eye|tensor|from_blob|"
                     r"normal)\s*\(")
ON_DEVICE = re.compile(r"options|Options|device|\.to\(")


def statement_at(lines, i):
    """The statement starting at line i, up to its semicolon (at most 6 lines)."""
    text = ""
    for line in lines[i:i + 6]:
        text += line
        if ";" in line:
            break
    return text


def audit(root):
    problems, checked = [], 0
    for folder in FOLDERS:
        for dirpath, _, files in os.walk(os.path.join(root, folder)):
            for name in sorted(files):
                if not name.endswith((".cpp", ".hpp")):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as f:
                    lines = f.readlines()
                for i, line in enumerate(lines):
                    if not FACTORY.search(line.split("//")[0]):
                        continue
                    checked += 1
                    statement = statement_at(lines, i)
                    code = "".join(l.split("//")[0] for l in statement.splitlines(keepends=True))
                    if "// host:" in statement or ON_DEVICE.search(code):
                        continue
                    problems.append(f"{os.path.relpath(path, root)}:{i + 1}: {line.strip()}")
    return problems, checked


def main():
    problems, checked = audit(ROOT)
    if checked == 0:
        sys.exit(f"device audit: no tensor factory calls found under {ROOT}; wrong folder?")
    if problems:
        print("tensors created on the CPU without a device or a `// host:` reason:")
        print("\n".join("  " + p for p in problems))
        sys.exit(1)
    print(f"device audit: {checked} tensor factory calls, each on the model's device or marked host-side")


if __name__ == "__main__":
    main()
