#!/usr/bin/env python3
"""Throughput of S copies of one benchmark running at once on one machine (one GPU):
the question a study of many small runs asks. Starts S processes of COMMAND together,
each printing one JSON line with "images_per_second" (build/somnus_bench,
bench/pad_pytorch.py), and prints one JSON line:

    {"benchmark": ..., "processes": S, "images_per_second_total": sum over the processes,
     "images_per_second_each": [...], "wall_s": ..., "gpu_mib_per_process": largest seen,
     "gpu_mib_total": largest seen}

GPU memory is sampled with nvidia-smi every 0.25 s (the CUDA context included);
without nvidia-smi those fields are absent.

    bench/concurrent_runs.py --processes 4 --label "somnus cycle" -- build/somnus_bench cycle --device cuda --batch 64
"""
import argparse
import json
import shutil
import subprocess
import sys
import threading
import time


def gpu_memory_sampler(pids, peaks, stop):
    """Largest memory seen per process of ours, and in all, from nvidia-smi."""
    query = ["nvidia-smi", "--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits"]
    while not stop.is_set():
        try:
            out = subprocess.run(query, capture_output=True, text=True, timeout=5).stdout
        except (OSError, subprocess.TimeoutExpired):
            return
        total = 0
        for line in out.strip().splitlines():
            parts = [p.strip() for p in line.split(",")]
            if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit() and int(parts[0]) in pids:
                pid, mib = int(parts[0]), int(parts[1])
                peaks[pid] = max(peaks.get(pid, 0), mib)
                total += mib
        peaks["total"] = max(peaks.get("total", 0), total)
        stop.wait(0.25)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--processes", type=int, required=True, help="S: copies running at once")
    ap.add_argument("--label", default="", help="name of the benchmark in the output")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command")
    args = ap.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        ap.error("give the command after --")

    started = time.perf_counter()
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(args.processes)]
    peaks, stop = {}, threading.Event()
    sampler = None
    if shutil.which("nvidia-smi"):
        sampler = threading.Thread(target=gpu_memory_sampler, args=({p.pid for p in processes}, peaks, stop))
        sampler.start()
    rates, errors = [], []
    for p in processes:
        try:
            out, err = p.communicate(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            errors.append("timed out")
            continue
        lines = [line for line in out.splitlines() if line.startswith("{")]
        if p.returncode != 0 or not lines:
            errors.append(f"exit {p.returncode}: {err.strip()[-300:]}")
            continue
        rates.append(json.loads(lines[-1])["images_per_second"])
    wall = time.perf_counter() - started
    stop.set()
    if sampler:
        sampler.join()
    result = {"benchmark": args.label or " ".join(command), "processes": args.processes,
              "images_per_second_total": round(sum(rates), 1), "images_per_second_each": [round(r, 1) for r in rates],
              "wall_s": round(wall, 2)}
    per_process = [v for k, v in peaks.items() if k != "total"]
    if per_process:
        result["gpu_mib_per_process"] = max(per_process)
        result["gpu_mib_total"] = peaks["total"]
    if errors:
        result["errors"] = errors
    print(json.dumps(result))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
