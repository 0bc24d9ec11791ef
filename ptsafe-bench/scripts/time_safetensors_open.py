#!/usr/bin/python3
"""Times the safetensors 0.8 reference's open on the open-N.safetensors files: safe_open(path, "pt") +
keys() (+ leaving the context), the peer of OpenSafetensorsBench.ptsafeOpen.

    PYTHONPATH=/tmp/stpy /usr/bin/python3 ptsafe-bench/scripts/time_safetensors_open.py [--data DIR] [--json OUT]
        [--sizes 1000,20000] [--cpu]

The reference is a wheel: `pip download safetensors==0.8.0 --no-deps -d /tmp/st` and unzip it into a
directory on PYTHONPATH (run.sh does this). Median of --repeat runs after --warmup, time.perf_counter.
"""
import argparse
import json
import pathlib
import statistics
import sys
import time

from safetensors import safe_open
import safetensors


def main():
    here = pathlib.Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(here / "target" / "bench-data"))
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=201)
    ap.add_argument("--budget-s", type=float, default=30)
    ap.add_argument("--json", default=None)
    ap.add_argument("--sizes", default=None, help="only these tensor counts, e.g. 1000,20000 (default: every file)")
    ap.add_argument("--cpu", action="store_true",
                    help="time.thread_time (CPU of this thread) instead of time.perf_counter, for a loaded machine")
    args = ap.parse_args()
    files = sorted(pathlib.Path(args.data).glob("open-*.safetensors"), key=lambda p: int(p.stem.split("-")[1]))
    if args.sizes:
        wanted = {s.strip() for s in args.sizes.split(",")}
        files = [f for f in files if f.stem.split("-")[1] in wanted]
    if not files:
        sys.exit("no open-N.safetensors in " + args.data + ": the JMH setup of OpenSafetensorsBench writes them")
    result = {"safetensors": safetensors.__version__, "safe_open_keys": {}}
    for f in files:
        def once():
            with safe_open(str(f), "pt") as s:
                return len(s.keys())
        clock = time.thread_time if args.cpu else time.perf_counter
        once()  # the first call imports torch: not timed, not used to size the runs
        t0 = clock()
        once()
        first = clock() - t0
        for _ in range(args.warmup):
            once()
        repeat = max(5, min(args.repeat, int(args.budget_s / max(first, 1e-9))))
        runs = []
        for _ in range(repeat):
            t0 = clock()
            once()
            runs.append(clock() - t0)
        r = {"median_ms": statistics.median(runs) * 1e3, "min_ms": min(runs) * 1e3, "max_ms": max(runs) * 1e3,
             "runs": repeat}
        result["safe_open_keys"][f.stem.split("-")[1]] = r
        print(f"safetensors {safetensors.__version__} safe_open+keys {f.name}: {'CPU ' if args.cpu else ''}median {r['median_ms']:.3f} ms "
              f"(min {r['min_ms']:.3f}, max {r['max_ms']:.3f}, {repeat} runs)")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
