#!/usr/bin/env python3
"""Self time per operator from a chrome trace written by `somnus_bench STATE --profile FILE`.

    /usr/bin/python3 bench/profile_summary.py FILE [top]
"""
import collections
import json
import sys


def main(path, top=25):
    with open(path) as f:
        trace = json.load(f)
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    spans = sorted((e for e in events if e.get("ph") == "X"), key=lambda e: (e.get("tid"), e["ts"], -e["dur"]))
    self_time, total, calls = collections.Counter(), 0.0, collections.Counter()
    stack = []  # (end, name) per thread, children subtract from their parent's self time
    for e in spans:
        while stack and (stack[-1][2] != e.get("tid") or stack[-1][0] <= e["ts"]):
            stack.pop()
        if stack:
            self_time[stack[-1][1]] -= e["dur"]
        else:
            total += e["dur"]
        self_time[e["name"]] += e["dur"]
        calls[e["name"]] += 1
        stack.append((e["ts"] + e["dur"], e["name"], e.get("tid")))
    print(f"{'operator':48s} {'self ms':>9s} {'share':>6s} {'calls':>6s}")
    for name, us in self_time.most_common(top):
        print(f"{name[:48]:48s} {us / 1000:9.1f} {us / total:6.1%} {calls[name]:6d}")
    print(f"{'total (outermost spans)':48s} {total / 1000:9.1f}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25)
