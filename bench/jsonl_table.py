#!/usr/bin/env python3
"""The benchmark lines of scripts/device-check.sh (one JSON object per line) as a table.

    bench/jsonl_table.py bench OUT/bench.jsonl             somnus_bench and pad_pytorch.py lines
    bench/jsonl_table.py throughput OUT/throughput.jsonl   those, bench/concurrent_runs.py's and the runs'
"""
import json
import sys


def name_of(r):
    """The benchmark and the settings it ran with."""
    return r["benchmark"] + (" [reads %s]" % r["reads"] if r.get("reads") else "") + (
        " [cudnn benchmark]" if r.get("cudnn_benchmark") else "") + (
        " [deterministic]" if r.get("deterministic") else "") + (" [%s]" % r["variant"] if r.get("variant") else "")


def bench_table(rows):
    print("%-58s %5s %9s %8s %11s" % ("benchmark", "batch", "img/s", "ms/iter", "GPU MiB"))
    for r in rows:
        if "error" in r:
            print("%-58s %s" % (name_of(r), r["error"]))
            continue
        print("%-58s %5d %9.0f %8.2f %11.0f" % (name_of(r)[:58], r["batch"], r["images_per_second"],
                                                r["ms_per_iteration"], r.get("gpu_peak_reserved_mib", 0)))


def throughput_table(rows):
    print("%-46s %4s %12s %10s %9s" % ("throughput (batch 64)", "S", "img/s total", "per proc.", "GPU MiB"))
    for r in rows:
        total = r.get("images_per_second_total", r.get("training_images_per_second_total", r.get("images_per_second", 0)))
        each = r.get("images_per_second_each")
        memory = r.get("gpu_mib_per_process", r.get("gpu_mib_total", r.get("gpu_peak_reserved_mib", 0)))
        extra = "  wall %.1f s, %s runs, %.0f img/s over the wall" % (
            r["wall_s"], r["runs_finished"], r["images_per_second_wall"]) if "runs_finished" in r else ""
        print("%-46s %4d %12.0f %10s %9s%s%s" % (name_of(r)[:46], r.get("processes", 1), total,
              "%.0f" % (sum(each) / len(each)) if each else "", memory, extra,
              "  ERRORS %s" % r["errors"] if r.get("errors") else ""))


if __name__ == "__main__":
    kind, path = sys.argv[1], sys.argv[2]
    table = {"bench": bench_table, "throughput": throughput_table}[kind]
    table([json.loads(line) for line in open(path) if line.strip()])
