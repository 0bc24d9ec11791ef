package io.ptsafe.pickle.machine;

import io.ptsafe.PyValue;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** The canonical JSON form of a value, as src/test/python/gen_pickles.py writes it. */
final class Canon {
    private Canon() {
    }

    static Object of(PyValue v) {
        return switch (v) {
            case PyValue.None n -> List.of("none");
            case PyValue.Bool b -> List.of("bool", b.value());
            case PyValue.Int i -> List.of("int", i.value().toString());
            case PyValue.Float f -> List.of("float", hex(f.value()));
            case PyValue.Complex c -> List.of("complex", hex(c.real()), hex(c.imag()));
            case PyValue.Str s -> List.of("str", s.value());
            case PyValue.Bytes b -> List.of(b.mutable() ? "bytearray" : "bytes", HexFormat.of().formatHex(b.value()));
            case PyValue.Tuple t -> List.of("tuple", all(t.items()));
            case PyValue.PyList l -> List.of("list", all(l.items()));
            case PyValue.PySet s -> List.of(s.frozen() ? "frozenset" : "set", all(new ArrayList<>(s.items())));
            case PyValue.Dict d -> {
                List<Object> pairs = new ArrayList<>();
                for (Map.Entry<PyValue, PyValue> e : d.entries().entrySet()) {
                    pairs.add(List.of(of(e.getKey()), of(e.getValue())));
                }
                yield List.of(d.kind(), pairs);
            }
            default -> throw new AssertionError(v);
        };
    }

    private static List<Object> all(List<PyValue> items) {
        List<Object> out = new ArrayList<>();
        for (PyValue i : items) {
            out.add(of(i));
        }
        return out;
    }

    private static String hex(double d) {
        return String.format("%016x", Double.doubleToRawLongBits(d));
    }
}
