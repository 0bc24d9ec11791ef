#!/usr/bin/python3
"""Times torch.load(weights_only=True) on the open-N.pt and open-N-legacy.pt files (the headline peer
of OpenTorchBench and OpenLegacyBench).

    /usr/bin/python3 ptsafe-bench/scripts/time_torch_load.py [--data DIR] [--repeat 21] [--json OUT]
        [--sizes 1000,20000] [--cpu]

Results are keyed by the file's stem without "open-": "1000" (zip format), "1000-legacy".
--cpu times with time.thread_time (CPU of this thread, the figure OpenCpuTime prints) instead of
time.perf_counter, for a loaded machine.

Each file is loaded --warmup times untimed, then --repeat times (fewer, but at least 5, when that
would take over --budget-s), each timed with time.perf_counter; the median is reported (also min and
max), in milliseconds. Same files, same page cache as the JMH run.
If the `safetensors` package is importable, safetensors.torch.load_file is timed on open-N.safetensors
too; otherwise the output says it is absent.
"""
import argparse
import json
import pathlib
import platform
import statistics
import sys
import time

import torch


def timed(fn, warmup, repeat, budget_s, clock=time.perf_counter):
    t0 = clock()
    fn()
    first = clock() - t0
    for _ in range(warmup - 1):
        fn()
    # Slow loads get fewer runs (never fewer than 5) so one file takes about budget_s.
    repeat = max(5, min(repeat, int(budget_s / max(first, 1e-9))))
    runs = []
    for _ in range(repeat):
        t0 = clock()
        fn()
        runs.append(clock() - t0)
    return {"median_ms": statistics.median(runs) * 1e3, "min_ms": min(runs) * 1e3, "max_ms": max(runs) * 1e3,
            "runs": repeat}


def main():
    here = pathlib.Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(here / "target" / "bench-data"))
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=21)
    ap.add_argument("--budget-s", type=float, default=60, help="about this long per file (at least 5 runs)")
    ap.add_argument("--json", default=None, help="also write the results here")
    ap.add_argument("--sizes", default=None, help="only these tensor counts, e.g. 1000,20000 (default: every file)")
    ap.add_argument("--cpu", action="store_true", help="time.thread_time instead of time.perf_counter")
    args = ap.parse_args()
    data = pathlib.Path(args.data)
    files = sorted(data.glob("open-*.pt"), key=lambda p: (int(p.stem.split("-")[1]), p.stem))
    if args.sizes:
        wanted = {s.strip() for s in args.sizes.split(",")}
        files = [f for f in files if f.stem.split("-")[1] in wanted]
    clock = time.thread_time if args.cpu else time.perf_counter
    if not files:
        sys.exit(f"no open-N.pt files in {data}: run /usr/bin/python3 ptsafe-bench/scripts/make_bench_data.py")
    try:
        import safetensors.torch as st
    except ImportError:
        st = None
    result = {"python": platform.python_version(), "torch": torch.__version__,
              "torch_threads": torch.get_num_threads(), "clock": "thread_time" if args.cpu else "perf_counter",
              "safetensors": getattr(sys.modules.get("safetensors"), "__version__", None) if st else None,
              "torch_load": {}, "safetensors_load_file": {}}
    for f in files:
        n = f.stem[len("open-"):]
        r = timed(lambda: torch.load(f, weights_only=True), args.warmup, args.repeat, args.budget_s, clock)
        result["torch_load"][n] = r
        print(f"torch.load(weights_only=True) {f.name}: {'CPU ' if args.cpu else ''}median {r['median_ms']:.3f} ms "
              f"(min {r['min_ms']:.3f}, max {r['max_ms']:.3f}, {r['runs']} runs)")
        sf = f.with_suffix(".safetensors")
        if st is not None and sf.exists() and not n.endswith("-legacy"):
            r = timed(lambda: st.load_file(str(sf)), args.warmup, args.repeat, args.budget_s, clock)
            result["safetensors_load_file"][str(n)] = r
            print(f"safetensors.torch.load_file {sf.name}: median {r['median_ms']:.3f} ms")
    if st is None:
        print("safetensors python package: not installed for " + sys.executable + " (not timed)")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
