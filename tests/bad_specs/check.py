#!/usr/bin/env python3
"""The bad-spec corpus: each file in this folder must make `somnus validate` and
`somnus run` exit with 2 and print exactly the error expected.tsv gives for it
(message and JSON pointer), and `run` must write no log. A line's first column is
the file, then any arguments both commands are given (e.g. a --set override), as
a shell would split them.

    /usr/bin/python3 tests/bad_specs/check.py SOMNUS_BINARY
"""
import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main(binary):
    with open(os.path.join(HERE, "expected.tsv"), encoding="utf-8") as f:
        cases = [line.rstrip("\n").split("\t", 1) for line in f if line.strip()]
    on_disk = sorted(n for n in os.listdir(HERE) if n.endswith(".json"))
    listed = sorted(shlex.split(name)[0] for name, _ in cases)
    if on_disk != listed:
        sys.exit(f"expected.tsv and the folder disagree: {sorted(set(on_disk) ^ set(listed))}")
    before = sorted(os.listdir(HERE))
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for case, expected in cases:
            name, *args = shlex.split(case)
            for command in (["validate", name] + args, ["run", name, "--out", os.path.join(tmp, name + ".h5")] + args):
                r = subprocess.run([binary] + command, cwd=HERE, capture_output=True, text=True, timeout=60)
                got = r.stderr.strip()
                if r.returncode != 2 or got != "somnus: " + expected:
                    failures.append(f"{' '.join(command)}: exit {r.returncode}\n  expected: somnus: {expected}\n  got:      {got}")
        written = os.listdir(tmp)
        if written:
            failures.append(f"bad specs left files behind: {written}")
    if sorted(os.listdir(HERE)) != before:
        failures.append("bad specs wrote into the corpus folder")
    if failures:
        print("\n".join(failures))
        sys.exit(1)
    print(f"{len(cases)} bad specs, each rejected by validate and run with exit 2 and the expected error; nothing written")


if __name__ == "__main__":
    main(sys.argv[1])
