#!/usr/bin/python3
"""Times torch.load(weights_only=True) on the open-N.pt files (the headline peer of OpenBench).

    /usr/bin/python3 ptsafe-bench/scripts/time_torch_load.py [--data DIR] [--repeat 21] [--json OUT]

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


def timed(fn, warmup, repeat, budget_s):
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    for _ in range(warmup - 1):
        fn()
    # Slow loads get fewer runs (never fewer than 5) so one file takes about budget_s.
    repeat = max(5, min(repeat, int(budget_s / max(first, 1e-9))))
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
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
    args = ap.parse_args()
    data = pathlib.Path(args.data)
    files = sorted(data.glob("open-*.pt"), key=lambda p: int(p.stem.split("-")[1]))
    if not files:
        sys.exit(f"no open-N.pt files in {data}: run /usr/bin/python3 ptsafe-bench/scripts/make_bench_data.py")
    try:
        import safetensors.torch as st
    except ImportError:
        st = None
    result = {"python": platform.python_version(), "torch": torch.__version__,
              "torch_threads": torch.get_num_threads(),
              "safetensors": getattr(sys.modules.get("safetensors"), "__version__", None) if st else None,
              "torch_load": {}, "safetensors_load_file": {}}
    for f in files:
        n = int(f.stem.split("-")[1])
        r = timed(lambda: torch.load(f, weights_only=True), args.warmup, args.repeat, args.budget_s)
        result["torch_load"][str(n)] = r
        print(f"torch.load(weights_only=True) {f.name}: median {r['median_ms']:.3f} ms "
              f"(min {r['min_ms']:.3f}, max {r['max_ms']:.3f}, {r['runs']} runs)")
        sf = f.with_suffix(".safetensors")
        if st is not None and sf.exists():
            r = timed(lambda: st.load_file(str(sf)), args.warmup, args.repeat, args.budget_s)
            result["safetensors_load_file"][str(n)] = r
            print(f"safetensors.torch.load_file {sf.name}: median {r['median_ms']:.3f} ms")
    if st is None:
        print("safetensors python package: not installed for " + sys.executable + " (not timed)")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
