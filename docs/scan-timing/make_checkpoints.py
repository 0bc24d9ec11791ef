"""Writes two large torch checkpoints for timing scan against open (not committed: they are big).

    /usr/bin/python3 docs/scan-timing/make_checkpoints.py /tmp/ptsafe-timing

big.pt:  4 float32 tensors of 256 MiB each (1 GiB of tensor data, a tiny pickle).
many.pt: 20,000 float32 tensors of 16 elements (a 1.5 MB pickle, little data).
"""
import pathlib
import sys

import torch

out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/ptsafe-timing")
out.mkdir(parents=True, exist_ok=True)
torch.save({f"layer{i}.weight": torch.full((64 << 20,), float(i)) for i in range(4)}, out / "big.pt")
torch.save({f"block{i}.weight": torch.arange(16, dtype=torch.float32) + i for i in range(20_000)}, out / "many.pt")
