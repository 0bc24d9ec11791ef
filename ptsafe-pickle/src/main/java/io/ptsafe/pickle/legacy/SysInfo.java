package io.ptsafe.pickle.legacy;

import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Map;

/**
 * The legacy stream's third pickle, {@code {'protocol_version': 1001, 'little_endian': bool,
 * 'type_sizes': {'short': 2, 'int': 4, 'long': 4}}}, checked against what ptsafe can honour.
 *
 * <p>torch.load never reads sys_info: it unpickles it and drops it. It does not need to, because
 * nothing in it changes the layout. Storages are written little-endian on every host
 * (torch/csrc/serialization.cpp swaps on big-endian machines, and swaps back when reading), so
 * {@code little_endian: False} only says where the file was written and ptsafe reads its storages
 * little-endian, as torch does. Element sizes come from each storage's dtype, never from
 * {@code type_sizes}, which every torch version fills with struct's standard sizes (short 2, int 4,
 * long 4). ptsafe still requires the dict to be exactly what torch writes, so that a file claiming
 * another layout is refused plainly ({@link Reason#UNSUPPORTED_SYS_INFO}) instead of being misread.
 *
 * @param littleEndian whether the writing host was little-endian (informative only)
 */
record SysInfo(boolean littleEndian) {
    private static final Map<String, Integer> TYPE_SIZES = Map.of("short", 2, "int", 4, "long", 4);

    /** Checks a converted sys_info value. */
    static SysInfo check(PyValue v, Path path, String where) throws PtsafeException {
        if (!(v instanceof PyValue.Dict d) || !d.kind().equals("dict")) {
            throw unsupported(path, where, "is a " + describe(v) + ", not a dict");
        }
        for (PyValue k : d.entries().keySet()) {
            if (!(k instanceof PyValue.Str s) || !(s.value().equals("protocol_version")
                    || s.value().equals("little_endian") || s.value().equals("type_sizes"))) {
                throw unsupported(path, where, "has the key " + describe(k) + "; torch writes only protocol_version, "
                        + "little_endian and type_sizes");
            }
        }
        PyValue version = required(d, "protocol_version", path, where);
        if (!isInt(version, LegacyMagic.PROTOCOL_VERSION)) {
            throw unsupported(path, where, "declares protocol_version " + describe(version) + "; ptsafe reads "
                    + LegacyMagic.PROTOCOL_VERSION);
        }
        PyValue little = required(d, "little_endian", path, where);
        if (!(little instanceof PyValue.Bool b)) {
            throw unsupported(path, where, "declares little_endian " + describe(little) + ", not a bool");
        }
        PyValue sizes = required(d, "type_sizes", path, where);
        if (!(sizes instanceof PyValue.Dict s) || s.entries().size() != TYPE_SIZES.size() || !typeSizes(s)) {
            throw unsupported(path, where, "declares type_sizes " + describe(sizes) + "; ptsafe reads files with "
                    + "short 2, int 4, long 4 (what every torch version writes)");
        }
        return new SysInfo(b.value());
    }

    /** Whether each of {@link #TYPE_SIZES} is in {@code s} with its size (no stream: this runs on every open). */
    private static boolean typeSizes(PyValue.Dict s) {
        for (Map.Entry<String, Integer> e : TYPE_SIZES.entrySet()) {
            if (!isInt(s.get(e.getKey()), e.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static PyValue required(PyValue.Dict d, String key, Path path, String where) throws PtsafeException {
        PyValue v = d.get(key);
        if (v == null) {
            throw unsupported(path, where, "lacks '" + key + "'");
        }
        return v;
    }

    private static boolean isInt(PyValue v, int expected) {
        return v instanceof PyValue.Int i && i.value().equals(BigInteger.valueOf(expected));
    }

    /** A short description of a small value, for messages. */
    static String describe(PyValue v) {
        String s = switch (v) {
            case null -> "nothing";
            case PyValue.Str x -> "'" + (x.value().length() > 80 ? x.value().substring(0, 80) + "..." : x.value()) + "'";
            case PyValue.Int x -> x.value().toString();
            case PyValue.Bool x -> x.value() ? "True" : "False";
            case PyValue.Dict x -> {
                StringBuilder sb = new StringBuilder("{");
                for (var e : x.entries().entrySet()) {
                    sb.append(sb.length() > 1 ? ", " : "").append(describe(e.getKey())).append(": ")
                            .append(describe(e.getValue()));
                    if (sb.length() > 120) {
                        break;
                    }
                }
                yield sb.append('}').toString();
            }
            default -> io.ptsafe.pickle.machine.Values.typeName(v);
        };
        return s.length() > 160 ? s.substring(0, 160) + "..." : s;
    }

    private static PtsafeException unsupported(Path path, String where, String message) {
        return new PtsafeException(Reason.UNSUPPORTED_SYS_INFO, path, where + ": sys_info " + message);
    }
}
