"""Writes the fixture of the --limit tests with the real tool.

Run from this folder with Debian's torch:
    /usr/bin/python3 gen_limit_fixtures.py
Output: ../resources/limits/rank65.pt, a torch.save checkpoint holding a tensor of 65 dimensions, one
more than LoadOptions.DEFAULT_MAX_RANK: refused by default, read with --limit maxRank=65.
"""
import os
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "resources", "limits")
os.makedirs(OUT, exist_ok=True)

deep = torch.tensor([1.5, -2.0], dtype=torch.float32).reshape([2] + [1] * 64)
assert deep.dim() == 65
torch.save({"deep": deep, "bias": torch.arange(3, dtype=torch.int64)}, os.path.join(OUT, "rank65.pt"))
