#!/usr/bin/env python3
"""The documentation works: every relative link in README.md and docs/ resolves
(files, and #anchors to a heading of the page), and every command the docs show
in a ```sh block can run on a fresh machine after the two set-up commands:

- `somnus SUBCOMMAND --option ...`: the subcommand and each option exist (its
  --help lists them), and every repository file it names exists;
- `scripts/...`, `python3 FILE`, `octave ... FILE`: the file exists;
- every other program is either part of Debian's base system or comes from a
  package scripts/install-deps.sh installs, and is on this machine's PATH;
- the commands that do not train (validate, graph with its `| dot` pipe,
  inspect --help ...) are run for real, from a scratch folder.

usage: check_docs.py SOMNUS_BINARY REPOSITORY_ROOT
Prints one line per problem and exits 1 if there is any.
"""
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

SOMNUS, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
problems = []

# Programs of Debian's base system (essential and required packages, bash builtins).
BASE = {"cd", "ls", "cat", "head", "tail", "grep", "mkdir", "rm", "cp", "mv", "echo", "sed", "awk", "tee", "sort",
        "uniq", "wc", "find", "tar", "gzip", "env", "export", "time", "du", "df", "nproc", "kill", "sleep", "watch",
        "test", "true", "for", "do", "done", "while", "if", "then", "fi", "set", "source", "xargs", "date", "chmod",
        "ulimit", "sudo", "apt-get", "dpkg", "git", "bash", "sh", "printf", "diff", "cmp", "basename", "dirname", "pkill"}
# Programs the set-up command installs, by package (scripts/install-deps.sh).
FROM_PACKAGE = {"cmake": "cmake", "ctest": "cmake", "cpack": "cmake", "ninja": "ninja-build", "g++": "g++", "python3": "python3-numpy",
                "pytest": "python3-pytest", "octave": "octave", "dot": "graphviz", "sbatch": "slurm-wlm",
                "squeue": "slurm-wlm", "scancel": "slurm-wlm", "sacct": "slurm-wlm", "h5dump": "hdf5-tools"}
# Programs of a virtual environment the docs make (`python3 -m venv DIR`, then DIR/bin/pip).
IN_A_VENV = {"pip", "python"}
install_deps = open(os.path.join(ROOT, "scripts/install-deps.sh")).read()


def slug(title):
    title = re.sub(r"[`*_]", lambda m: "_" if m.group(0) == "_" else "", title.strip().lower())
    return re.sub(r"[^\w\- ]", "", title).replace(" ", "-")


def outside_code(text, inline=False):
    """Lines outside fenced code blocks, with inline code removed (kept with `inline`)."""
    keep, fenced = [], False
    for line in text.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
            keep.append("")
            continue
        keep.append("" if fenced else line if inline else re.sub(r"`[^`]*`", "", line))
    return keep


def anchors(path):
    out = set()
    for line in outside_code(open(path).read(), inline=True):
        m = re.match(r"^#+ (.*)$", line)
        if m:
            out.add(slug(m.group(1)))
    return out


pages = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))

# ---- links --------------------------------------------------------------------
links = 0
for page in pages:
    name = os.path.relpath(page, ROOT)
    for number, line in enumerate(outside_code(open(page).read()), 1):
        for target in re.findall(r"\]\(([^)\s]+)\)", line):
            if re.match(r"^[a-z]+:", target):
                continue
            links += 1
            path, _, anchor = target.partition("#")
            resolved = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
            if not os.path.exists(resolved):
                problems.append(f"{name}:{number}: link to {target}: {os.path.relpath(resolved, ROOT)} does not exist")
            elif anchor and resolved.endswith(".md") and anchor not in anchors(resolved):
                problems.append(f"{name}:{number}: link to {target}: no heading #{anchor} in {os.path.relpath(resolved, ROOT)}")

# ---- commands -----------------------------------------------------------------
help_cache = {}


def somnus_help(sub):
    if sub not in help_cache:
        r = subprocess.run([SOMNUS, sub, "--help"], capture_output=True, text=True)
        help_cache[sub] = r.stdout if r.returncode == 0 else None
    return help_cache[sub]


def repository_path(word):
    return re.match(r"^(experiments|analysis|scripts|docs|tests|bench|data|sim)/", word) is not None


commands, runnable = 0, []
for page in pages:
    name = os.path.relpath(page, ROOT)
    lines, block = open(page).read().split("\n"), None
    for k in range(len(lines) - 1, 0, -1):  # join continued lines
        if lines[k - 1].rstrip().endswith("\\") and not lines[k - 1].startswith("```"):
            lines[k - 1] = lines[k - 1].rstrip()[:-1] + " " + lines[k].strip()
            lines[k] = ""
    for number, line in enumerate(lines, 1):
        if line.startswith("```"):
            # A block that starts with "#!" shows a script file, not commands to type.
            script = number < len(lines) and lines[number].startswith("#!")
            block = ("file" if script else line[3:].strip(), []) if block is None else None
            continue
        if block is None or block[0] not in ("sh", "bash", "shell"):
            continue
        text = line.split(" #")[0].strip() if not line.strip().startswith("#") else ""
        if not text:
            continue
        commands += 1
        for part in re.split(r"\s*(?:\|\||&&|\||;)\s*", text):
            try:
                words = shlex.split(part)
            except ValueError as e:
                problems.append(f"{name}:{number}: cannot parse `{part}` ({e})")
                continue
            while words and re.match(r"^[A-Z_]+=", words[0]):
                words = words[1:]  # VAR=value prefixes
            words = [w for w in words if not w.startswith(">") and not w.startswith("<")]
            if not words:
                continue
            program = words[0]
            where = f"{name}:{number}: `{text}`"
            if os.path.basename(program) == "somnus" and not program.startswith("/"):
                if len(words) < 2 or words[1].startswith("-"):
                    continue
                help_text = somnus_help(words[1])
                if help_text is None:
                    problems.append(f"{where}: somnus has no subcommand {words[1]}")
                    continue
                for w in words[2:]:
                    option = w.split("=")[0]
                    if option.startswith("--") and option not in help_text:
                        problems.append(f"{where}: somnus {words[1]} has no option {option}")
                    elif repository_path(w) and not glob.glob(os.path.join(ROOT, w)) and "*" not in w and "/runs/" not in w:
                        problems.append(f"{where}: {w} is not in the repository")
                if words[1] in ("validate", "graph") and all(not w.startswith("runs/") for w in words):
                    runnable.append((where, text))
            elif program.startswith("scripts/") or program.startswith("./scripts/") or program.startswith(".ci/"):
                if not os.access(os.path.join(ROOT, program), os.X_OK):
                    problems.append(f"{where}: {program} is not an executable script of the repository")
            else:
                base = os.path.basename(program)
                if base in BASE:
                    pass
                elif base in IN_A_VENV and "/bin/" in program:
                    if "python3-venv" not in install_deps:
                        problems.append(f"{where}: {program} needs a virtual environment, and scripts/install-deps.sh does not install python3-venv")
                elif base in FROM_PACKAGE:
                    package = FROM_PACKAGE[base]
                    if base != "python3" and package not in install_deps:
                        problems.append(f"{where}: {base} needs the package {package}, which scripts/install-deps.sh does not install")
                    elif shutil.which(base) is None:
                        problems.append(f"{where}: {base} is not installed here (run scripts/install-deps.sh)")
                else:
                    problems.append(f"{where}: {base}: neither part of Debian's base system nor installed by scripts/install-deps.sh")
                for w in words[1:]:
                    if repository_path(w) and not glob.glob(os.path.join(ROOT, w)):
                        problems.append(f"{where}: {w} is not in the repository")

# The commands that only read a spec run for real, from a scratch folder with the repository's files.
with tempfile.TemporaryDirectory() as scratch:
    for name in ("experiments", "analysis", "scripts"):
        os.symlink(os.path.join(ROOT, name), os.path.join(scratch, name))
    os.symlink(os.path.dirname(SOMNUS), os.path.join(scratch, "build"))
    for where, text in runnable:
        shell = text.replace("build/somnus", "somnus")
        env = dict(os.environ, PATH=os.path.dirname(SOMNUS) + os.pathsep + os.environ.get("PATH", ""))
        r = subprocess.run(["bash", "-o", "pipefail", "-c", shell], cwd=scratch, env=env, capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            problems.append(f"{where}: exit {r.returncode}: {(r.stderr or r.stdout).strip()[-300:]}")

for p in problems:
    print(p)
print(f"{len(pages)} pages, {links} relative links, {commands} commands ({len(runnable)} run): "
      f"{len(problems)} problem{'' if len(problems) == 1 else 's'}")
sys.exit(1 if problems else 0)
