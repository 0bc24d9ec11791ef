"""Writes the fixtures of ptsafe's safetensors writer and converter tests, with the real tools.

Run from this folder with Debian's torch and the reference safetensors package:
    PYTHONPATH=/path/to/safetensors-0.8.0 /usr/bin/python3 gen_writer_fixtures.py
(the wheel unpacked into a folder is enough). Outputs go to ../resources/writer/ (safetensors written by the
reference, for the writer tests) and ptsafe-cli/src/test/resources/convert/ (checkpoints for the converter).

* mixed.safetensors, empty.safetensors, single_meta.safetensors: written by safetensors.torch.save_file;
  the writer tests rebuild the same tensors from the bytes and must write the same file byte for byte.
* *.pt: torch.save checkpoints for the converter; *.reference.safetensors: what the reference's
  convert.py logic (unwrap state_dict, _remove_duplicate_names, format=pt metadata) writes for them.
"""
import os
import torch
from safetensors.torch import save_file, _remove_duplicate_names

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "resources", "writer")
CONVERT = os.path.join(HERE, "..", "..", "..", "..", "ptsafe-cli", "src", "test", "resources", "convert")
os.makedirs(OUT, exist_ok=True)
os.makedirs(CONVERT, exist_ok=True)
g = torch.Generator().manual_seed(1234)


def rnd(*shape, dtype=torch.float32):
    return torch.randn(*shape, generator=g).to(dtype)


def p(name):
    return os.path.join(OUT, name)


# --- reference-written safetensors -------------------------------------------------------------
mixed = {
    "f32.weight": rnd(3, 4),
    "f64": rnd(2, 3, dtype=torch.float64),
    "f16": rnd(5, dtype=torch.float16),
    "bf16": rnd(2, 2, dtype=torch.bfloat16),
    "i64": torch.arange(-3, 4, dtype=torch.int64),
    "i32": torch.arange(7, dtype=torch.int32).reshape(7, 1),
    "i16": torch.arange(-2, 3, dtype=torch.int16),
    "i8": torch.tensor([-128, 0, 127], dtype=torch.int8),
    "u8": torch.tensor([0, 1, 255], dtype=torch.uint8),
    "bool": torch.tensor([True, False, True]),
    "c64": torch.complex(rnd(2), rnd(2)),
    "scalar": torch.tensor(3.5),
    "empty": torch.zeros(2, 0),
    # names that exercise escaping and UTF-8 ordering (U+1F600 sorts after U+FFFD in UTF-8)
    "quote\"back\\slash": rnd(1),
    "tab\tnl\nctl\x01": rnd(1),
    "\u00e9t\u00e9": rnd(1),
    "\ufffd": rnd(1),
    "\U0001F600": rnd(1),
    "Z": rnd(1),
    "a": rnd(1),
}
save_file(mixed, p("mixed.safetensors"))
save_file({}, p("empty.safetensors"))
save_file({"x": rnd(2, 2), "y": torch.arange(3, dtype=torch.int64)}, p("single_meta.safetensors"),
          metadata={"format": "pt"})


# --- torch checkpoints for the converter -----------------------------------------------------
def p(name):
    return os.path.join(CONVERT, name)


def reference_convert(loaded, sf):
    """convert.py's convert_file, minus the hub: unwrap, dedupe, format=pt, contiguous, save."""
    if "state_dict" in loaded:
        loaded = loaded["state_dict"]
    to_removes = _remove_duplicate_names(loaded)
    metadata = {"format": "pt"}
    for kept_name, group in to_removes.items():
        for to_remove in group:
            if to_remove not in metadata:
                metadata[to_remove] = kept_name
            del loaded[to_remove]
    loaded = {k: v.contiguous() for k, v in loaded.items()}
    save_file(loaded, sf, metadata=metadata)


# Tied weights: the same Parameter under two names; a transposed (non-contiguous) tensor.
w = rnd(4, 3)
tied = {"embed.weight": w, "lm_head.weight": w, "bias": rnd(3), "proj": rnd(3, 5).t(), "steps": torch.tensor(7)}
torch.save(tied, p("tied.pt"))
reference_convert(dict(tied), p("tied.reference.safetensors"))

# A training checkpoint: state_dict wrapped with other entries.
sd = {"layer.weight": rnd(2, 2), "layer.bias": rnd(2)}
torch.save({"state_dict": sd, "epoch": 3, "name": "run-1"}, p("wrapped.pt"))
reference_convert({"state_dict": dict(sd), "epoch": 3, "name": "run-1"}, p("wrapped.reference.safetensors"))

# Only ptsafe converts these (the reference refuses partial views, nested dicts, non-tensors).
base = rnd(6, 4)
torch.save({"full": base, "row": base[1], "cols": base[:, 1:3], "half_a": rnd(8)[:4]}, p("views.pt"))
torch.save({"model": {"enc": {"w": rnd(2, 3)}, "dec.w": rnd(3)}, "optimizer": {"step": 5, "lrs": [1, 2]},
            "config": "tiny"}, p("nested.pt"))
torch.save({"a": rnd(3, 2), "b": torch.arange(4, dtype=torch.int64), "b_alias": None}, p("legacy.pt"),
           _use_new_zipfile_serialization=False)
torch.save({"z": torch.complex(rnd(2), rnd(2)).to(torch.complex128)}, p("complex128.pt"))
for d in (OUT, CONVERT):
    for f in os.listdir(d):
        os.chmod(os.path.join(d, f), 0o644)  # the reference writes rw------- (its temp file's mode)
print("wrote", sorted(os.listdir(OUT)), sorted(os.listdir(CONVERT)))
