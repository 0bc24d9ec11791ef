#!/usr/bin/python3
"""Generates the pickle machine's test corpus with CPython's own pickle module.

Writes src/test/resources/pickles/pickles.json: for a variety of values and every protocol 0..5,
the pickle (hex) and the value it encodes in a canonical JSON form the Java test compares against,
plus opcodes.json (CPython's pickletools opcode table) so the Java table is checked against it.

Only pickles whose globals are in ptsafe's table are kept (pickletools tells which globals a pickle
names); the others are listed with "skipped" so the reason is visible.

Run from the module root: /usr/bin/python3 src/test/python/gen_pickles.py
"""
import collections
import io
import json
import math
import pickle
import pickletools
import struct
import sys

ALLOWED = {
    "collections.OrderedDict", "collections.Counter", "builtins.set", "builtins.frozenset",
    "builtins.bytearray", "builtins.complex", "_codecs.encode",
    "__builtin__.set", "__builtin__.frozenset", "__builtin__.bytearray", "__builtin__.complex",
}


def fhex(x):
    return struct.pack(">d", x).hex()


def canon(v):
    """The canonical JSON form of a value (mirrored by the Java test)."""
    if v is None:
        return ["none"]
    if v is True or v is False:
        return ["bool", v]
    if isinstance(v, int):
        return ["int", str(v)]
    if isinstance(v, float):
        return ["float", fhex(v)]
    if isinstance(v, complex):
        return ["complex", fhex(v.real), fhex(v.imag)]
    if isinstance(v, str):
        return ["str", v]
    if isinstance(v, bytearray):
        return ["bytearray", bytes(v).hex()]
    if isinstance(v, bytes):
        return ["bytes", v.hex()]
    if isinstance(v, tuple):
        return ["tuple", [canon(x) for x in v]]
    if isinstance(v, list):
        return ["list", [canon(x) for x in v]]
    if isinstance(v, collections.Counter):
        return ["Counter", [[canon(k), canon(x)] for k, x in v.items()]]
    if isinstance(v, collections.OrderedDict):
        return ["OrderedDict", [[canon(k), canon(x)] for k, x in v.items()]]
    if isinstance(v, dict):
        return ["dict", [[canon(k), canon(x)] for k, x in v.items()]]
    if isinstance(v, frozenset):
        return ["frozenset", [canon(x) for x in v]]
    if isinstance(v, set):
        return ["set", [canon(x) for x in v]]
    raise TypeError(type(v))


class OrderedDictWithAttrs(collections.OrderedDict):
    """Pickles as an OrderedDict plus BUILD of its attributes (as torch's state dicts with _metadata)."""

    def __reduce__(self):
        r = super().__reduce__()
        return (collections.OrderedDict,) + r[1:]


class Pid:
    """A value pickled as a persistent id."""

    def __init__(self, ident):
        self.ident = ident


class PidPickler(pickle.Pickler):
    def persistent_id(self, obj):
        return obj.ident if isinstance(obj, Pid) else None


def values():
    shared = [1, 2]
    yield "none", None
    yield "bools", [True, False]
    yield "ints", [0, 1, -1, 255, 256, 65535, 65536, -65536, 2**31 - 1, -2**31, 2**31, 2**32, -2**63,
                   2**63, 2**64 + 1, -(2**100)]
    yield "huge_int", 2**2100 + 12345
    yield "huge_negative_int", -(2**2100) - 1
    yield "floats", [0.0, -0.0, 1.5, -2.25, 1e300, 5e-324, math.inf, -math.inf, math.pi, 1e16, 123456789.125]
    yield "nan", math.nan
    yield "strings", ["", "a", "hello world", "h\u00e9llo", "\u20ac\U0001d11e", "back\\slash", "new\nline",
                      "quote'\"", "\x00\x7f", "x" * 300, "\u0100" * 100]
    yield "bytes", [b"", b"\x00\xff", b"abc", bytes(range(256)), b"z" * 300]
    yield "bytearray", bytearray(b"\x01\x02\xfe")
    yield "complex", [complex(1, 2), complex(-0.5, 1e10)]
    yield "tuples", [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), ((1,), ((2,),))]
    yield "lists", [[], [[]], [1, [2, [3, [4]]]], list(range(1100))]
    yield "dicts", {"a": 1, "b": {"c": [1, 2], "d": {}}, "e": None}
    yield "dict_keys", {1: "one", -5: "minus", (1, "a"): "tuple", 2.5: "float", None: "none", b"k": "bytes",
                        True: "bool", frozenset([1]): "fs"}
    yield "big_dict", {"k%d" % i: i for i in range(1100)}
    yield "ordered_dict", collections.OrderedDict([("z", 1), ("a", 2), ("m", [3])])
    yield "counter", collections.Counter("abracadabra")
    yield "sets", [set(), {1, 2, 3}, {"a", (1, 2)}, frozenset(), frozenset({4, 5})]
    yield "big_set", set(range(1100))
    yield "shared", [shared, shared, {"x": shared}]
    yield "shared_tuple", (shared, shared)
    late = ["s%d" % i for i in range(300)]
    yield "late_shared", [late, late[299], late[3]]
    od = OrderedDictWithAttrs([("w", 1)])
    od.version = 2
    yield "ordered_dict_attributes", od
    yield "nested_mixed", {"epoch": 7, "lr": 0.001, "betas": (0.9, 0.999), "names": ["a", "b"],
                           "flags": {"amsgrad": False}, "blob": b"\x00\x01"}


def globals_of(data):
    found = set()
    strings = []
    for op, arg, pos in pickletools.genops(data):
        if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BINUNICODE8"):
            strings.append(arg)
        elif op.name == "MEMOIZE":
            pass
        if op.name == "GLOBAL":
            found.add(arg.replace(" ", "."))
        elif op.name == "STACK_GLOBAL":
            found.add(strings[-2] + "." + strings[-1])
        elif op.name in ("INST", "OBJ", "EXT1", "EXT2", "EXT4"):
            found.add("<" + op.name + ">")
    return found


def main():
    out = []
    for name, v in values():
        for proto in range(0, 6):
            data = pickle.dumps(v, protocol=proto)
            g = globals_of(data)
            bad = sorted(x for x in g if x not in ALLOWED)
            entry = {"name": name, "protocol": proto}
            if bad:
                entry["skipped"] = "names " + ", ".join(bad)
            else:
                entry["pickle"] = data.hex()
                entry["expected"] = canon(v)
                entry["opcodes"] = sorted({op.name for op, _, _ in pickletools.genops(data)})
            out.append(entry)
    # Persistent ids: PERSID (protocol 0, a str id) and BINPERSID; the Java test's loader returns "pid:" + id.
    for proto in range(0, 6):
        buf = io.BytesIO()
        PidPickler(buf, protocol=proto).dump({"a": Pid("7"), "b": [Pid("x1")]})
        data = buf.getvalue()
        out.append({"name": "persistent", "protocol": proto, "pickle": data.hex(),
                    "expected": canon({"a": "pid:7", "b": ["pid:x1"]}),
                    "opcodes": sorted({op.name for op, _, _ in pickletools.genops(data)})})
    # A list that contains itself: refused as cyclic.
    cyc = []
    cyc.append(cyc)
    for proto in range(0, 6):
        out.append({"name": "cyclic_list", "protocol": proto, "pickle": pickle.dumps(cyc, protocol=proto).hex(),
                    "refused": "CYCLIC_VALUE"})
    # A tuple inside a list inside the tuple: CPython emits POP / POP_MARK for it.
    t = ([],)
    t[0].append(t)
    for proto in range(0, 6):
        out.append({"name": "cyclic_tuple", "protocol": proto, "pickle": pickle.dumps(t, protocol=proto).hex(),
                    "refused": "CYCLIC_VALUE",
                    "opcodes": sorted({op.name for op, _, _ in pickletools.genops(pickle.dumps(t, protocol=proto))})})
    with open("src/test/resources/pickles/pickles.json", "w") as f:
        f.write("[\n" + ",\n".join(json.dumps(e, separators=(",", ":")) for e in out) + "\n]\n")
    table = [{"name": o.name, "code": ord(o.code) if isinstance(o.code, str) else o.code[0],
              "arg": o.arg.name if o.arg else None, "proto": o.proto} for o in pickletools.opcodes]
    with open("src/test/resources/pickles/opcodes.json", "w") as f:
        json.dump(table, f, indent=0)
        f.write("\n")
    kept = sum(1 for e in out if "pickle" in e)
    print("wrote %d pickles (%d skipped), python %s" % (kept, len(out) - kept, sys.version.split()[0]))


if __name__ == "__main__":
    main()
