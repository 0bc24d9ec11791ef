#!/usr/bin/python3
"""Writes the torch checkpoints the benchmarks read. Run with Debian's torch (1.13):

    /usr/bin/python3 ptsafe-bench/scripts/make_bench_data.py [--out DIR] [--convert-mib 256]

Writes into DIR (default ptsafe-bench/target/bench-data):
  open-10.pt, open-1000.pt, open-20000.pt  state dicts of small F32 tensors: what "open" measures is the
                                           pickle and the index, not the bytes. Tensor i has the name,
                                           shape and dtype of tensor i of the open-N.safetensors files the
                                           Java setup writes (BenchFiles.java), so both formats hold the same.
  open-N-legacy.pt                         the same state dicts in torch's legacy (pre-1.6, non-zip) format,
                                           torch.save(..., _use_new_zipfile_serialization=False), for N in
                                           --legacy-sizes (default: the --sizes).
  convert.pt                               a state dict of --convert-mib MiB of F32 in 1024x1024 tensors,
                                           the input of the conversion benchmark.
open-10.pt and open-10-legacy.pt are also committed under src/test/resources/bench-data for the smoke run (no torch in CI).
"""
import argparse
import collections
import os
import pathlib

import torch

# Keep in step with BenchFiles.openTensorName/openTensorShape.
PARTS = ["attn.q.weight", "attn.k.weight", "attn.v.weight", "attn.o.weight",
         "mlp.up.weight", "mlp.down.weight", "norm1.weight", "norm2.weight"]


def open_state_dict(n):
    g = torch.Generator().manual_seed(n)
    sd = collections.OrderedDict()
    for i in range(n):
        part = PARTS[i % len(PARTS)]
        shape = (8,) if part.startswith("norm") else (8, 8)
        sd[f"model.layers.{i // len(PARTS)}.{part}"] = torch.randn(shape, generator=g, dtype=torch.float32)
    return sd


def convert_state_dict(mib):
    g = torch.Generator().manual_seed(7)
    count = max(1, mib // 4)  # 1024 x 1024 F32 = 4 MiB
    return collections.OrderedDict(
        (f"blocks.{i}.weight", torch.randn((1024, 1024), generator=g, dtype=torch.float32)) for i in range(count))


def main():
    here = pathlib.Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(here / "target" / "bench-data"))
    ap.add_argument("--sizes", default="10,1000,20000")
    ap.add_argument("--legacy-sizes", default=None, help="sizes also written in the legacy format (default: --sizes; '' for none)")
    ap.add_argument("--convert-mib", type=int, default=256)
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for n in (int(s) for s in args.sizes.split(",")):
        path = out / f"open-{n}.pt"
        torch.save(open_state_dict(n), path)
        print(f"{path}: {n} tensors, {os.path.getsize(path)} bytes")
    legacy = args.sizes if args.legacy_sizes is None else args.legacy_sizes
    for n in (int(s) for s in legacy.split(",") if s.strip()):
        path = out / f"open-{n}-legacy.pt"
        torch.save(open_state_dict(n), path, _use_new_zipfile_serialization=False)
        print(f"{path}: {n} tensors, legacy format, {os.path.getsize(path)} bytes")
    if args.convert_mib > 0:
        path = out / "convert.pt"
        torch.save(convert_state_dict(args.convert_mib), path)
        print(f"{path}: {os.path.getsize(path)} bytes")
    print(f"torch {torch.__version__}")


if __name__ == "__main__":
    main()
