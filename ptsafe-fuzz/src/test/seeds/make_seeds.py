#!/usr/bin/python3
"""Copies a small seed corpus for each fuzz target from the fixtures of the other modules.

Run from the repository root: /usr/bin/python3 ptsafe-fuzz/src/test/seeds/make_seeds.py
Jazzer reads seeds (and replays them as regression tests) from
src/test/resources/io/ptsafe/fuzz/<TestClass>Inputs/<method>/. Only small files (at most MAX bytes):
the fuzzer mutates inputs of about the size of its seeds, and small inputs run fast.
Crash inputs the fuzzer finds go to the same folders and are committed by hand; this script never
deletes files, so they survive a rerun.
"""
import io
import json
import os
import struct
import zipfile

ROOT = os.getcwd()
OUT = os.path.join(ROOT, "ptsafe-fuzz/src/test/resources/io/ptsafe/fuzz")
PICKLE = os.path.join(ROOT, "ptsafe-pickle/src/test/resources")
ST = os.path.join(ROOT, "ptsafe-safetensors/src/test/resources/safetensors")
MAX = 4096


def put(target, name, data):
    if len(data) > MAX:
        return
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def files(folder, suffixes):
    for n in sorted(os.listdir(folder)):
        p = os.path.join(folder, n)
        if os.path.isfile(p) and n.endswith(suffixes):
            yield n, open(p, "rb").read()


def data_pkl(zbytes):
    try:
        with zipfile.ZipFile(io.BytesIO(zbytes)) as z:
            for i in z.infolist():
                if i.filename.lower().endswith("/data.pkl"):
                    return z.read(i)
    except Exception:
        return None
    return None


real = list(files(os.path.join(PICKLE, "torch/real"), (".pt",)))
malicious = list(files(os.path.join(PICKLE, "torch/malicious"), (".pt", ".pkl")))
legacy = list(files(os.path.join(PICKLE, "torch/legacy"), (".pt",)))
safetensors = list(files(ST, (".safetensors",)))

# SafeLoader.open: a few files of every format, real and hostile.
pick = ("linear.pt", "views.pt", "tied.pt", "dtypes.big_endian.pt", "quantized.pt", "zero_size.pt",
        "training_checkpoint.deflated.pt", "adam.legacy.pt", "views.legacy.pt", "dtypes.legacy.pt",
        "zip_bomb.pt", "zip_os_system_reduce.pt", "legacy_exploit_object.legacy.pt", "bare_pickle_lists.pkl",
        "polyglot_pickle_then_zip.pt", "old_views.legacy.pt")
for n, b in real + malicious + legacy:
    if n in pick:
        put("SafeLoaderFuzzTestInputs/open", n, b)
for n, b in safetensors:
    put("SafeLoaderFuzzTestInputs/open", n, b)
# SafeLoader.scan and the converter: the same files.
for n in os.listdir(os.path.join(OUT, "SafeLoaderFuzzTestInputs/open")):
    b = open(os.path.join(OUT, "SafeLoaderFuzzTestInputs/open", n), "rb").read()
    put("ScanFuzzTestInputs/scan", n, b)
    put("ConvertFuzzTestInputs/convert", n, b)

# Torch zip: every real and hostile zip.
for n, b in real + malicious:
    if b[:4] == b"PK\x03\x04":
        put("TorchZipFuzzTestInputs/zip", n, b)

# TorchScript archives (torch 1.13, ptsafe-pickle's torch/torchscript), trimmed to seed size: the
# *.debug_pkl records dropped (ptsafe never reads them), code/ DEFLATED; and two hostile variants of
# the MLP: a class that spells a torch rebuild function, and a module that holds itself.
def trimmed(zbytes, replace=None):
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(zbytes)) as z, zipfile.ZipFile(buf, "w") as out:
        root = z.namelist()[0].split("/")[0]
        records = {i.filename[len(root) + 1:]: z.read(i) for i in z.infolist() if not i.filename.endswith(".debug_pkl")}
        records.update(replace or {})
        for name, data in records.items():
            method = zipfile.ZIP_DEFLATED if name.startswith("code/") else zipfile.ZIP_STORED
            out.writestr(zipfile.ZipInfo(root + "/" + name, (1980, 1, 1, 0, 0, 0)), data, compress_type=method)
    return buf.getvalue()


TS = os.path.join(PICKLE, "torch/torchscript")
for n, b in files(TS, (".script.pt", ".trace.pt")):
    put("TorchZipFuzzTestInputs/zip", "ts_" + n, trimmed(b))
mlp = open(os.path.join(TS, "mlp.script.pt"), "rb").read()
collide = (b"\x80\x02c__torch__.torch._utils\n_rebuild_tensor_v2\n)\x81}(X\x08\x00\x00\x00training\x88ub.")
put("TorchZipFuzzTestInputs/zip", "ts_hostile_collide.pt", trimmed(mlp, {
    "data.pkl": collide,
    "code/__torch__/torch/_utils.py": b"class _rebuild_tensor_v2(Module):\n  __parameters__ = []\n  __buffers__ = []\n"}))
cycle = b"\x80\x02c__torch__\nMLP\n)\x81q\x00}(X\x03\x00\x00\x00fc1h\x00ub."
put("TorchZipFuzzTestInputs/zip", "ts_hostile_cycle.pt", trimmed(mlp, {"data.pkl": cycle}))

# Legacy: every real and hostile legacy stream.
for n, b in real + malicious + legacy:
    if ".legacy" in n or n.startswith("legacy_"):
        put("LegacyFuzzTestInputs/legacy", n, b)

# Pickle machine: data.pkl of the zips, bare pickles, and CPython's pickles of every protocol.
for n, b in real + malicious:
    p = data_pkl(b) if b[:4] == b"PK\x03\x04" else (b if n.endswith(".pkl") else None)
    if p is not None:
        put("PickleMachineFuzzTestInputs/pickle", n.rsplit(".", 1)[0] + ".pkl", p)
for n, b in files(os.path.join(PICKLE, "torch/malicious/proto0"), ("",)):
    put("PickleMachineFuzzTestInputs/pickle", "proto0_" + n, b)
for n, b in files(os.path.join(PICKLE, "torch/malicious/proto1"), ("",)):
    put("PickleMachineFuzzTestInputs/pickle", "proto1_" + n, b)
for entry in json.load(open(os.path.join(PICKLE, "pickles/pickles.json"))):
    if "pickle" not in entry:
        continue
    put("PickleMachineFuzzTestInputs/pickle", "cpython_%s_p%d.pkl" % (entry["name"], entry["protocol"]),
        bytes.fromhex(entry["pickle"]))

# Sharded index: the fixture's index (its shards are copied beside it by the target from
# src/test/resources/limits/sharded/); compact.json and hostile_names.json are hand-written.
put("ShardIndexFuzzTestInputs/index", "model.safetensors.index.json",
    open(os.path.join(ST, "sharded/model.safetensors.index.json"), "rb").read())

# Writer: FuzzedDataProvider input, so any bytes; a few of fixed pseudo-random content let inputs
# grow to a useful length from the start.
import random
rng = random.Random(8)
for size in (64, 256, 1024):
    put("WriterFuzzTestInputs/write", "random_%d.bin" % size, bytes(rng.randrange(256) for _ in range(size)))

# safetensors header: the header JSON, then the data length as 2 little-endian bytes (see the target).
for n, b in safetensors:
    (hlen,) = struct.unpack("<Q", b[:8])
    data = len(b) - 8 - hlen
    if 0 <= data < 65536:
        put("SafetensorsHeaderFuzzTestInputs/header", n.replace(".safetensors", ".json"),
            b[8:8 + hlen] + struct.pack("<H", data))

# The frame oracle (FrameOracle, issue 14): benign protocol-4 pickles whose frames hold long
# arguments, so that a mutated FRAME length mostly ends inside an argument (CPython's two
# unpicklers then disagree, and the machine must refuse).
import pickle
put("PickleMachineFuzzTestInputs/pickle", "frames_long_args_p4.pkl",
    pickle.dumps({"text": "a" * 200, "n": [1, 2, 3], "b": b"\x00" * 64, "f": 0.5}, protocol=4))
put("PickleMachineFuzzTestInputs/pickle", "frames_long_args_p5.pkl",
    pickle.dumps([("x" * 40, 10 ** 30, bytearray(b"y" * 30))], protocol=5))

# Differential cases (issue 14, docs/differentials/README.md): each sits on a decision where torch's
# readers part ways, so they are good places to start mutating. Zips to the zip target and their
# data.pkl to the pickle target, every case to the detection and scan targets. Run this after the
# groups' fixes are in: the regression run replays every seed, and an oracle fails on a case the
# library still gets wrong.
DIFF = os.path.join(PICKLE, "differential")
if os.path.isdir(DIFF):
    for group in sorted(os.listdir(DIFF)):
        cases_json = os.path.join(DIFF, group, "cases.json")
        if not os.path.isfile(cases_json):
            continue
        for case in json.load(open(cases_json)):
            b = open(os.path.join(DIFF, group, case["file"]), "rb").read()
            name = "diff_%s_%s" % (group, case["file"])
            put("SafeLoaderFuzzTestInputs/open", name, b)
            put("ScanFuzzTestInputs/scan", name, b)
            if b[:4] == b"PK\x03\x04":
                put("TorchZipFuzzTestInputs/zip", name, b)
                p = data_pkl(b)
                if p is not None:
                    put("PickleMachineFuzzTestInputs/pickle", name.rsplit(".", 1)[0] + ".pkl", p)
            elif ".legacy" in case["file"]:
                put("LegacyFuzzTestInputs/legacy", name, b)
            elif case["file"].endswith(".pkl"):
                put("PickleMachineFuzzTestInputs/pickle", name, b)

# numpy .npy/.npz: numpy's own files (versions 1.0 and 3.0) and the hostile ones, and header literals
# alone (NpyFuzzTest wraps an input starting with '{' in a version 1.0 prefix).
NPY = os.path.join(PICKLE, "npy")
for sub in ("real", "hostile"):
    for n, b in files(os.path.join(NPY, sub), (".npy", ".npz")):
        if sub == "hostile" or ".v1." in n or ".v3." in n or n.startswith("py2"):
            put("NpyFuzzTestInputs/npy", sub + "_" + n, b)
for i, h in enumerate([b"{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4), }",
                       b"{'descr': '>c8', 'fortran_order': True, 'shape': (2, 2)}",
                       b"{'descr': '|O', 'fortran_order': False, 'shape': (1,)}",
                       b"{'descr': '<u2', 'fortran_order': False, 'shape': (3L, 2L)}"]):
    put("NpyFuzzTestInputs/npy", "header_%d" % i, h)
