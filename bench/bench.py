#!/usr/bin/env python3
"""somnus against eager PyTorch on this machine, one run, the same thread count.

    /usr/bin/python3 bench/bench.py [--threads 2] [--batch 64] [--rounds 2] [--scaling]

Every benchmark runs in a fresh process (build/somnus_bench for somnus,
bench/pad_pytorch.py for PyTorch), so each has its own peak resident memory,
read from the kernel when the process ends (wait4). somnus and PyTorch runs
alternate for `--rounds` rounds and each keeps its fastest round, so both see
the same load on a shared machine. PyTorch runs twice: as installed (its
OpenMP threads and OpenBLAS's own threads both active) and tuned as a careful
user would (OPENBLAS_NUM_THREADS=1, what somnus does itself); ratios are
against the faster of the two. FLOP rates count the multiply-adds of PAD's layers (padding
taps excluded) and are compared with the best dense float32 matmul rate
measured in the same run (OpenBLAS's sgemm or oneDNN's, whichever is faster).

Results are printed as a table and appended to a CSV (--csv); --scaling adds
images/s and memory against batch size (16-256) and threads (1, 2), and a
figure (--figures).
"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
STATES = ["cycle", "wake", "nrem", "rem"]
TUNED = "pytorch (tuned)"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def measured(cmd, env=None):
    """Runs cmd; returns (the JSON lines it printed, its peak resident MiB, its stdout and stderr)."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env)
        out = proc.stdout.read()
        proc.stdout.close()
        # Reap the child here, with wait4, for its own rusage (subprocess would discard it).
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        err_text = err.read().decode(errors="replace")
        if proc.returncode != 0:
            sys.exit(f"bench: {' '.join(cmd)} failed ({proc.returncode}):\n{err_text}")
    text = out.decode()
    lines = [json.loads(l) for l in text.splitlines() if l.startswith("{")]
    return lines, usage.ru_maxrss / 1024.0, text + err_text


def environment(tuned_blas):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    if tuned_blas:
        env["OPENBLAS_NUM_THREADS"] = "1"
    return env


class Bench:
    def __init__(self, args):
        self.args = args
        self.somnus_bench = os.path.join(args.build, "somnus_bench")
        self.somnus = os.path.join(args.build, "somnus")
        for exe in (self.somnus_bench, self.somnus):
            if not os.path.exists(exe):
                sys.exit(f"bench: {exe} not found; build first (scripts/build.sh)")
        self.rows = []

    def somnus_line(self, benchmark, batch, threads, iterations=None):
        cmd = [self.somnus_bench, benchmark, "--batch", str(batch), "--threads", str(threads),
               "--iterations", str(iterations or self.args.iterations), "--warmup", str(self.args.warmup),
               "--data", self.args.data]
        lines, peak, _ = measured(cmd, environment(False))
        return lines, peak

    def pytorch_line(self, which, batch, threads, tuned, iterations=None):
        cmd = [sys.executable, os.path.join(HERE, "pad_pytorch.py"), "--which", which, "--batch", str(batch),
               "--threads", str(threads), "--iterations", str(iterations or self.args.iterations),
               "--warmup", str(self.args.warmup)]
        lines, peak, _ = measured(cmd, environment(tuned))
        return lines[0], peak

    def add(self, benchmark, implementation, batch, threads, line, peak, flops_peak=None):
        row = {"benchmark": benchmark, "implementation": implementation, "batch": batch, "threads": threads,
               "ms_per_iteration": line["ms_per_iteration"], "images_per_second": line["images_per_second"],
               "peak_rss_mib": peak, "gflop_per_second": line.get("gflop_per_second", ""),
               "fraction_of_matmul_peak": "", "ratio_vs_pytorch": ""}
        if flops_peak and line.get("gflop_per_second"):
            row["fraction_of_matmul_peak"] = line["gflop_per_second"] / flops_peak
        self.rows.append(row)
        return row

    def fastest(self, runs):
        return min(runs, key=lambda r: r[0]["ms_per_iteration"])

    def compare_states(self, batch, threads, states, rounds, flops_peak, installed=True):
        """somnus vs PyTorch (tuned, and as installed for the cycle) on the states, alternating."""
        results = {}
        for state in states:
            s_runs, t_runs, i_runs = [], [], []
            for _ in range(rounds):
                lines, peak = self.somnus_line(state, batch, threads)
                s_runs.append((lines[0], peak))
                t_runs.append(self.pytorch_line(state, batch, threads, tuned=True))
                if installed and state == "cycle":
                    i_runs.append(self.pytorch_line(state, batch, threads, tuned=False,
                                                    iterations=max(3, self.args.iterations // 4)))
            s, t = self.fastest(s_runs), self.fastest(t_runs)
            rs = self.add(state, "somnus", batch, threads, s[0], s[1], flops_peak)
            rt = self.add(state, TUNED, batch, threads, t[0], t[1])
            best_torch = t
            if i_runs:
                i = self.fastest(i_runs)
                self.add(state, "pytorch (as installed)", batch, threads, i[0], i[1])
                best_torch = min((t, i), key=lambda r: r[0]["ms_per_iteration"])
            rs["ratio_vs_pytorch"] = best_torch[0]["ms_per_iteration"] / s[0]["ms_per_iteration"]
            if s[0].get("gflop_per_second"):
                flops = s[0]["gflop_per_second"] * s[0]["ms_per_iteration"]  # GFLOP per iteration * 1000
                rt["gflop_per_second"] = flops / t[0]["ms_per_iteration"]
                rt["fraction_of_matmul_peak"] = rt["gflop_per_second"] / flops_peak
            results[state] = (rs, rt)
        return results

    def end_to_end(self, threads):
        """`somnus run` on experiments/pad.json: one epoch of 3,200 images with the default recording."""
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [self.somnus, "run", os.path.join(ROOT, "experiments", "pad.json"), "--threads", str(threads),
                   "--out", os.path.join(tmp, "bench.h5"), "--set", "data.train_subset=3200", "--set", "schedule.epochs=1",
                   "--set", f"data.path={self.args.data}", "--set", "eval.linear_readout.enabled=false",
                   "--set", "eval.latent_geometry.enabled=false", "--set", "eval.pca.enabled=false"]
            _, peak, out = measured(cmd, environment(False))
        m = re.search(r"epoch 1 done in ([0-9.]+) s \(([0-9.]+) img/s\)", out)
        if not m:
            sys.exit("bench: could not read the epoch time from somnus run's output:\n" + out)
        seconds, ips = float(m.group(1)), float(m.group(2))
        line = {"ms_per_iteration": 1000 * seconds / 50, "images_per_second": ips}
        return self.add("somnus run, pad.json, 1 epoch of 3200 images, recording on", "somnus", 64, threads, line, peak)


def print_table(rows):
    head = ["benchmark", "implementation", "batch", "threads", "ms/iter", "images/s", "peak MiB", "GFLOP/s",
            "of matmul peak", "somnus / PyTorch"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join([":--", ":--"] + ["--:"] * (len(head) - 2)) + "|")
    for r in rows:
        def f(v, fmt):
            return fmt.format(v) if isinstance(v, (int, float)) and v != "" else ""
        print("| " + " | ".join([r["benchmark"], r["implementation"], str(r["batch"]), str(r["threads"]),
                                 f(r["ms_per_iteration"], "{:.1f}"), f(r["images_per_second"], "{:.0f}"),
                                 f(r["peak_rss_mib"], "{:.0f}"), f(r["gflop_per_second"], "{:.0f}"),
                                 f(r["fraction_of_matmul_peak"], "{:.0%}"), f(r["ratio_vs_pytorch"], "{:.2f}x")]) + " |")


def write_csv(path, rows, stamp, machine):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fields = ["time", "machine", "benchmark", "implementation", "batch", "threads", "ms_per_iteration",
              "images_per_second", "peak_rss_mib", "gflop_per_second", "fraction_of_matmul_peak", "ratio_vs_pytorch"]
    new = not os.path.exists(path)
    import csv
    with open(path, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        if new:
            w.writeheader()
        for r in rows:
            w.writerow(dict(r, time=stamp, machine=machine))


def scaling_figure(rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    for impl, marker in (("somnus", "o"), (TUNED, "s")):
        for threads, style in ((1, "--"), (2, "-")):
            pts = sorted((r["batch"], r["images_per_second"], r["peak_rss_mib"]) for r in rows
                         if r["implementation"] == impl and r["threads"] == threads)
            if not pts:
                continue
            label = f"{'somnus' if impl == 'somnus' else 'eager PyTorch'}, {threads} thread{'s' if threads > 1 else ''}"
            ax1.plot([p[0] for p in pts], [p[1] for p in pts], style, marker=marker, label=label)
            ax2.plot([p[0] for p in pts], [p[2] for p in pts], style, marker=marker, label=label)
    for ax, ylabel in ((ax1, "images/s (Wake + NREM + REM)"), (ax2, "peak resident memory (MiB)")):
        ax.set_xscale("log", base=2)
        ax.set_xticks([16, 32, 64, 128, 256])
        ax.set_xticklabels(["16", "32", "64", "128", "256"])
        ax.set_xlabel("mini-batch size")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    ax1.legend(fontsize=8)
    fig.suptitle("PAD training cycle on " + cpu_model())
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    print(f"figure: {path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--iterations", type=int, default=20, help="timed iterations per benchmark (median kept)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=2, help="alternating somnus/PyTorch rounds; the fastest is kept")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--csv", default=os.path.join(ROOT, "runs", "bench", "bench.csv"))
    ap.add_argument("--scaling", action="store_true", help="also sweep batch 16-256 and threads 1, 2")
    ap.add_argument("--figures", default=os.path.join(ROOT, "runs", "bench"), help="folder for scaling.png")
    args = ap.parse_args()

    b = Bench(args)
    stamp = datetime.datetime.now().isoformat(timespec="seconds")
    machine = f"{cpu_model()}, {os.cpu_count()} CPUs"
    print(f"{machine}; {args.threads} threads, batch {args.batch}, median of {args.iterations} iterations, "
          f"best of {args.rounds} rounds", flush=True)

    lines, peak = b.somnus_line("matmul", args.batch, args.threads)
    for line in lines:
        b.add(line["benchmark"].replace("somnus ", "float32 "), "LibTorch", "", args.threads, line, peak)
    flops_peak = max(line["gflop_per_second"] for line in lines)
    print("dense matmul: " + ", ".join(f"{l['benchmark'][7:]} {l['gflop_per_second']:.0f} GFLOP/s" for l in lines),
          flush=True)

    results = b.compare_states(args.batch, args.threads, STATES, args.rounds, flops_peak)
    for state, (rs, rt) in results.items():
        print(f"{state}: somnus {rs['images_per_second']:.0f} images/s, PyTorch {rt['images_per_second']:.0f}; "
              f"ratio {rs['ratio_vs_pytorch']:.2f}x", flush=True)

    lines, peak = b.somnus_line("areas", args.batch, args.threads)
    for line in lines:
        b.add(line["benchmark"].replace("somnus ", ""), "somnus", args.batch, args.threads, line, peak, flops_peak)
    for bench in ("data", "readout"):
        lines, peak = b.somnus_line(bench, args.batch, args.threads)
        b.add(lines[0]["benchmark"].replace("somnus ", ""), "somnus", args.batch, args.threads, lines[0], peak)
    b.end_to_end(args.threads)

    scaling = []
    if args.scaling:
        for threads in (1, 2):
            for batch in (16, 32, 64, 128, 256):
                iterations = max(5, args.iterations * 64 // (batch * 2))
                saved = args.iterations
                args.iterations = iterations
                res = b.compare_states(batch, threads, ["cycle"], args.rounds, flops_peak, installed=False)
                args.iterations = saved
                rs, rt = res["cycle"]
                for r in (rs, rt):
                    r["benchmark"] = "cycle (scaling)"
                scaling += [rs, rt]
                print(f"scaling: batch {batch}, {threads} thread(s): somnus {rs['images_per_second']:.0f} images/s "
                      f"({rs['peak_rss_mib']:.0f} MiB), PyTorch {rt['images_per_second']:.0f} "
                      f"({rt['peak_rss_mib']:.0f} MiB)", flush=True)

    print()
    print_table(b.rows)
    write_csv(args.csv, b.rows, stamp, machine)
    print(f"\ncsv: {args.csv}")
    if scaling:
        os.makedirs(args.figures, exist_ok=True)
        scaling_figure(scaling, os.path.join(args.figures, "scaling.png"))


if __name__ == "__main__":
    main()
