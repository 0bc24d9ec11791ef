#!/usr/bin/python3
"""Turns one run's results into the ratio tables of BENCHMARKS.md (stdlib only).

    /usr/bin/python3 ptsafe-bench/scripts/ratios.py ptsafe-bench/target/results
    /usr/bin/python3 ptsafe-bench/scripts/ratios.py --issue17 ptsafe-bench/target/results-issue17

--issue17 prints instead the one table of issue 17's targets (issue17.sh), from jmh.json,
torch_load.json, safetensors_open.json, heap_per_tensor.txt and machine.txt.

Reads jmh.json (JMH -rf json), torch_load.json (time_torch_load.py --json) and heapbound.txt
(HeapBound's output) from the folder; prints Markdown. A ratio is always computed from two numbers of
the same run; 'x faster' = peer time / ptsafe time, '% of limit' = limit time / ptsafe time.
"""
import json
import pathlib
import re
import sys

TO_MS = {"ms/op": 1.0, "us/op": 1e-3, "ns/op": 1e-6, "s/op": 1e3}


def load_jmh(path):
    scores = {}
    for r in json.loads(path.read_text()):
        name = r["benchmark"].rsplit(".", 2)
        key = (name[-2] + "." + name[-1],) + tuple(sorted((r.get("params") or {}).items()))
        m = r["primaryMetric"]
        scores[key] = (float(m["score"]) * TO_MS[m["scoreUnit"]], float(m["scoreError"]) * TO_MS[m["scoreUnit"]])
    return scores


def get(scores, bench, **params):
    key = (bench,) + tuple(sorted((k, str(v)) for k, v in params.items()))
    return scores.get(key)


def fmt_ms(v):
    if v is None:
        return "n/a"
    ms, err = v
    if ms >= 100:
        s = f"{ms:.0f} ms"
    elif ms >= 1:
        s = f"{ms:.2f} ms"
    else:
        s = f"{ms * 1e3:.1f} µs"
    return s if err != err or err == 0 else s + f" ± {err / ms * 100:.0f}%"


def verdict(ok):
    return "**met**" if ok else "**not met**"


# Issue 17's "before" figures for the heap targets ("halve both"), from BENCHMARKS.md, section Issue 17:
# retained heap per tensor after open of the 100,000-tensor files on f2c15af, and the maxDecodedBytes
# charge per tensor of open-100000.pt on ae16f73.
HEAP_BEFORE = {"open-100000.safetensors": 413, "open-100000.pt": 480}
CHARGE_BEFORE = 1462


def ratio(r):
    return "n/a" if r is None else (f"{r:.0f}x" if r >= 10 else f"{r:.2f}x")


def issue17(folder):
    scores = load_jmh(folder / "jmh.json")

    def js(name):
        f = folder / name
        return json.loads(f.read_text()) if f.exists() else {}

    tl = js("torch_load.json").get("torch_load", {})
    so = js("safetensors_open.json").get("safe_open_keys", {})
    rows = []  # (target, ptsafe, anchor, ratio text, target text, met or None)

    def faster(label, pts, anchor_label, anchor_ms, want):
        r = anchor_ms / pts[0] if pts and anchor_ms else None
        anchor = f"{anchor_label} {fmt_ms((anchor_ms, 0))}" if anchor_ms else f"{anchor_label} n/a"
        rows.append((label, fmt_ms(pts), anchor, ratio(r), f">= {want}x", None if r is None else r >= want))

    for n in (1000, 20000):
        st = get(scores, "OpenSafetensorsBench.ptsafeOpen", tensors=n)
        a = so.get(str(n))
        faster(f"safetensors open, {n:,} tensors, vs the reference", st, "`safe_open`+`keys()`",
               a["median_ms"] if a else None, 2)
    for n in (1000, 20000):
        st = get(scores, "OpenSafetensorsBench.ptsafeOpen", tensors=n)
        jk = get(scores, "HeaderTokenBench.jacksonTokens", tensors=n)
        r = st[0] / jk[0] if st and jk else None
        rows.append((f"safetensors open, {n:,} tensors, vs a bare jackson token pass over its header", fmt_ms(st),
                     f"jackson tokens {fmt_ms(jk)}", "n/a" if r is None else f"ptsafe / jackson {r:.2f}x",
                     "within 2x", None if r is None else r <= 2))
    for n in (1000, 20000):
        a = tl.get(str(n))
        faster(f"torch zip open, {n:,} tensors", get(scores, "OpenTorchBench.ptsafeOpen", tensors=n),
               "`torch.load(weights_only=True)`", a["median_ms"] if a else None, 50)
    for n in (1000, 20000):
        a = tl.get(f"{n}-legacy")
        faster(f"legacy open, {n:,} tensors", get(scores, "OpenLegacyBench.ptsafeOpen", tensors=n),
               "`torch.load(weights_only=True)`", a["median_ms"] if a else None, 40)
    for n in (1000, 20000):
        py = get(scores, "OpenTorchBench.pyroliteDataPkl", tensors=n)
        # The machine alone on the same bytes (ptsafeDataPkl); older results only have the whole open.
        alone = get(scores, "OpenTorchBench.ptsafeDataPkl", tensors=n)
        what = "ptsafe's machine on the same bytes" if alone else "ptsafe: the whole zip open, an upper bound"
        faster(f"pickle vs Pyrolite on data.pkl, {n:,} tensors ({what})",
               alone or get(scores, "OpenTorchBench.ptsafeOpen", tensors=n), "Pyrolite", py[0] if py else None, 1)
    for n in (1000, 20000):
        py = get(scores, "OpenTorchBench.pyroliteDataPkl", tensors=n)
        lane = get(scores, "OpenTorchBench.ptsafeDataPklLane", tensors=n)
        if lane:
            faster(f"pickle vs Pyrolite on data.pkl, {n:,} tensors (what ptsafe runs on it: the state-dict lane, "
                   "tensors built)", lane, "Pyrolite", py[0] if py else None, 1)

    heap = (folder / "heap_per_tensor.txt").read_text() if (folder / "heap_per_tensor.txt").exists() else ""
    for name, before in HEAP_BEFORE.items():
        m = re.search(re.escape(name) + r": \d+ tensors, retained heap [0-9.]+ MiB, (-?\d+) bytes per tensor", heap)
        b = int(m.group(1)) if m else None
        rows.append((f"heap retained per tensor, {name}", "n/a" if b is None else f"{b} B", f"before {before} B",
                     "n/a" if b is None else f"{b / before:.2f} of before", "<= 0.5 of before",
                     None if b is None else b <= before / 2))
    m = re.search(r"open-100000\.pt: opens with maxDecodedBytes >= ([0-9.]+) MiB, (\d+) bytes per tensor", heap)
    b = int(m.group(2)) if m else None
    rows.append(("`maxDecodedBytes` charge per tensor, open-100000.pt",
                 "n/a" if b is None else f"{b} B ({m.group(1)} MiB)", f"before {CHARGE_BEFORE} B",
                 "n/a" if b is None else f"{b / CHARGE_BEFORE:.2f} of before", "<= 0.5 of before",
                 None if b is None else b <= CHARGE_BEFORE / 2))

    p = get(scores, "ConvertBench.ptsafeConvert", source="convert.pt")
    cf = get(scores, "ConvertBench.filesCopyForce", source="convert.pt")
    r = cf[0] / p[0] * 100 if p and cf else None
    rows.append(("convert convert.pt (256 MiB) vs `Files.copy` + `force`", fmt_ms(p), f"copy + force {fmt_ms(cf)}",
                 "n/a" if r is None else f"{r:.0f}%", ">= 80%", None if r is None else r >= 80))

    out = ["### Issue 17 targets\n", "| target | ptsafe | anchor | ratio | target | verdict |", "|---|---:|---:|---:|---|---|"]
    for label, pts, anchor, rt, want, ok in rows:
        out.append(f"| {label} | {pts} | {anchor} | {rt} | {want} | {'n/a' if ok is None else verdict(ok)} |")
    machine = folder / "machine.txt"
    if machine.exists():
        out.append("\nMachine and load:\n")
        out += ["    " + line for line in machine.read_text().splitlines()]
    print("\n".join(out))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--issue17":
        issue17(pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else "ptsafe-bench/target/results-issue17"))
        return
    folder = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "ptsafe-bench/target/results")
    scores = load_jmh(folder / "jmh.json")
    torch = json.loads((folder / "torch_load.json").read_text()) if (folder / "torch_load.json").exists() else None
    out = []

    out.append("### Open: parse + validate + index + one lookup + close\n")
    out.append("| tensors | ptsafe .pt | torch.load(weights_only=True) median | x faster | Pyrolite data.pkl only | ptsafe .safetensors | DJL NDList.decode | x faster |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
    open_target = None
    for n in sorted({int(dict(k[1:]).get("tensors", 0)) for k in scores if k[0].startswith("Open")}):
        pt = get(scores, "OpenTorchBench.ptsafeOpen", tensors=n)
        pyro = get(scores, "OpenTorchBench.pyroliteDataPkl", tensors=n)
        st = get(scores, "OpenSafetensorsBench.ptsafeOpen", tensors=n)
        djl = get(scores, "OpenSafetensorsBench.djlDecode", tensors=n)
        tl = torch["torch_load"].get(str(n)) if torch else None
        tlv = (tl["median_ms"], 0) if tl else None
        x = (lambda r: f"{r:.0f}x" if r >= 10 else f"{r:.1f}x")(tl["median_ms"] / pt[0]) if tl and pt else "n/a"
        if n == 1000 and tl and pt:
            open_target = tl["median_ms"] / pt[0]
        xd = f"{djl[0] / st[0]:.1f}x" if djl and st else "n/a"
        out.append(f"| {n} | {fmt_ms(pt)} | {fmt_ms(tlv)} | {x} | {fmt_ms(pyro)} | {fmt_ms(st)} | {fmt_ms(djl)} | {xd} |")
    out.append("")

    out.append("### Read through the public API vs the raw pass over the same mapped bytes\n")
    out.append("| what | raw pass | ptsafe | ptsafe as % of raw | ptsafe GB/s (of file bytes) |")
    out.append("|---|---:|---:|---:|---:|")
    read = {}
    mibs = sorted({dict(k[1:]).get("mib") for k in scores if k[0].startswith("ReadBench.")})
    for mib in mibs:
        elements = int(mib) * (1 << 18)
        rows = [("F32 sum (data())", "rawF32Sum", "ptsafeF32Sum", 4),
                ("BF16 widened to float (copyInto float[]) + sum", "rawBF16Sum", "ptsafeBF16Sum", 2),
                ("F16 widened to float (copyInto float[]) + sum", "rawF16Sum", "ptsafeF16Sum", 2),
                ("F32 copy into float[] (copyInto)", "rawF32Copy", "ptsafeF32CopyInto", 4),
                ("F32 toFloatArray() (allocates)", "rawF32Copy", "ptsafeF32ToFloatArray", 4)]
        for label, raw_b, pts_b, width in rows:
            raw = get(scores, "ReadBench." + raw_b, mib=mib)
            pts = get(scores, "ReadBench." + pts_b, mib=mib)
            if not raw or not pts:
                continue
            pct = raw[0] / pts[0] * 100
            read[pts_b] = pct
            gbs = elements * width / (pts[0] / 1e3) / 1e9
            out.append(f"| {label}, {mib} MiB F32-equivalent | {fmt_ms(raw)} | {fmt_ms(pts)} | {pct:.0f}% | {gbs:.2f} |")
        djl = get(scores, "ReadBench.djlF32DecodeSum", mib=mib)
        pts = get(scores, "ReadBench.ptsafeF32Sum", mib=mib)
        if djl and pts:
            out.append(f"| peer: DJL decode + toFloatArray + sum, F32 | | {fmt_ms(djl)} | ptsafe {djl[0] / pts[0]:.0f}x faster | |")
    out.append("")

    out.append("### Convert .pt -> safetensors vs copying the same file\n")
    out.append("| source | Files.copy | Files.copy + force | ptsafe convert (fsync + verify) | convert as % of Files.copy | % of copy + force |")
    out.append("|---|---:|---:|---:|---:|---:|")
    conv = None
    for src in sorted({dict(k[1:]).get("source") for k in scores if k[0].startswith("ConvertBench.")}):
        c = get(scores, "ConvertBench.filesCopy", source=src)
        cf = get(scores, "ConvertBench.filesCopyForce", source=src)
        p = get(scores, "ConvertBench.ptsafeConvert", source=src)
        if c and p:
            conv = c[0] / p[0] * 100
            out.append(f"| {src} | {fmt_ms(c)} | {fmt_ms(cf)} | {fmt_ms(p)} | {conv:.0f}% | "
                       f"{(cf[0] / p[0] * 100 if cf else float('nan')):.0f}% |")
    out.append("")

    heap = None
    hb = folder / "heapbound.txt"
    if hb.exists():
        text = hb.read_text()
        m = re.search(r"peak heap ([0-9.]+) MiB .* max heap ([0-9.]+) MiB", text)
        b = re.search(r"(\d+) tensor bytes hashed in ([0-9.]+) s", text)
        if m and b:
            heap = (float(m.group(1)), float(m.group(2)), int(b.group(1)), float(b.group(2)))

    out.append("### Targets\n")
    out.append("| target | measured | verdict |")
    out.append("|---|---|---|")
    if open_target is not None:
        out.append(f"| open a 1,000-tensor .pt >= 20x faster than torch.load(weights_only=True) | {open_target:.0f}x | {verdict(open_target >= 20)} |")
    if "ptsafeF32Sum" in read:
        out.append(f"| F32 sum through the public API >= 90% of the raw pass | {read['ptsafeF32Sum']:.0f}% | {verdict(read['ptsafeF32Sum'] >= 90)} |")
    if "ptsafeBF16Sum" in read:
        out.append(f"| BF16 widening >= 50% of the raw pass | {read['ptsafeBF16Sum']:.0f}% | {verdict(read['ptsafeBF16Sum'] >= 50)} |")
    if conv is not None:
        out.append(f"| convert >= 70% of a plain file copy (Files.copy) | {conv:.0f}% | {verdict(conv >= 70)} |")
    if heap:
        out.append(f"| heap independent of tensor bytes: open + hash 4 GiB under -Xmx64m | {heap[2] / 2**30:.0f} GiB hashed in {heap[3]:.1f} s, "
                   f"peak heap {heap[0]:.1f} MiB of {heap[1]:.0f} MiB | {verdict(heap[0] < heap[1] and heap[2] >= 2**32)} |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
