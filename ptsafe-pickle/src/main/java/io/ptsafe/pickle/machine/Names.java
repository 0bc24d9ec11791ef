package io.ptsafe.pickle.machine;

import io.ptsafe.PyValue;
import java.math.BigDecimal;

/**
 * The naming rule for values inside a decoded tree. A path is the segments from the root joined
 * with ".": a dict key's segment is a str key as is, an int key in decimal, any other (hashable) key
 * in a Python-like repr ({@code True}, {@code None}, {@code 1.5}, {@code b'ab'}, {@code (1, 'a')});
 * a list or tuple element's segment is its index in decimal. The root itself is "".
 */
public final class Names {
    private Names() {
    }

    /** The path segment of a dict key. */
    public static String segment(PyValue key) {
        return switch (key) {
            case PyValue.Str s -> s.value();
            case PyValue.Int i -> i.value().toString();
            default -> repr(key);
        };
    }

    /** A Python-like repr of a hashable value (bounded: keys have at most {@link PickleMachine#MAX_KEY_NODES} nodes). */
    static String repr(PyValue v) {
        StringBuilder sb = new StringBuilder();
        repr(v, sb);
        return sb.toString();
    }

    // Recursion is bounded by the key size limit and maxNestingDepth, both checked when the key was made.
    private static void repr(PyValue v, StringBuilder sb) {
        switch (v) {
            case PyValue.None n -> sb.append("None");
            case PyValue.Bool b -> sb.append(b.value() ? "True" : "False");
            case PyValue.Int i -> sb.append(i.value());
            case PyValue.Float f -> sb.append(floatRepr(f.value()));
            case PyValue.Complex c -> sb.append('(').append(floatRepr(c.real())).append(c.imag() < 0 ? "" : "+")
                    .append(floatRepr(c.imag())).append("j)");
            case PyValue.Str s -> sb.append('\'').append(s.value().replace("\\", "\\\\").replace("'", "\\'")).append('\'');
            case PyValue.Bytes b -> {
                sb.append(b.mutable() ? "bytearray(b'" : "b'");
                for (byte x : b.value()) {
                    int c = x & 0xff;
                    if (c == '\\' || c == '\'') {
                        sb.append('\\').append((char) c);
                    } else if (c >= 0x20 && c < 0x7f) {
                        sb.append((char) c);
                    } else {
                        sb.append(String.format("\\x%02x", c));
                    }
                }
                sb.append(b.mutable() ? "')" : "'");
            }
            case PyValue.Tuple t -> {
                sb.append('(');
                for (int i = 0; i < t.items().size(); i++) {
                    if (i > 0) {
                        sb.append(", ");
                    }
                    repr(t.items().get(i), sb);
                }
                sb.append(t.items().size() == 1 ? ",)" : ")");
            }
            case PyValue.PySet s -> {
                sb.append(s.frozen() ? "frozenset({" : "{");
                boolean first = true;
                for (PyValue e : s.items()) {
                    if (!first) {
                        sb.append(", ");
                    }
                    first = false;
                    repr(e, sb);
                }
                sb.append(s.frozen() ? "})" : "}");
            }
            case PyValue.Opaque o -> {
                sb.append(o.global());
                if (!o.args().isEmpty()) {
                    sb.append('(');
                    for (int i = 0; i < o.args().size(); i++) {
                        if (i > 0) {
                            sb.append(", ");
                        }
                        repr(o.args().get(i), sb);
                    }
                    sb.append(')');
                }
            }
            default -> sb.append('<').append(Values.typeName(v)).append('>');
        }
    }

    /** Python's float repr: shortest round-trip digits, positional for exponents -4 to 15, else "1e+16". */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal bd = shortest(d);
        int exp = bd.precision() - bd.scale() - 1;
        if (exp >= -4 && exp < 16) {
            String s = bd.toPlainString();
            return s.contains(".") ? s : s + ".0";
        }
        String digits = bd.unscaledValue().abs().toString();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (d < 0 ? "-" : "") + mantissa + "e" + (exp < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp));
    }

    /** The decimal with the fewest digits that reads back as {@code d}, as Python's repr picks. */
    private static BigDecimal shortest(double d) {
        BigDecimal exact = new BigDecimal(d);
        for (int digits = 1; digits < 17; digits++) {
            BigDecimal r = exact.round(new java.math.MathContext(digits, java.math.RoundingMode.HALF_EVEN));
            if (r.doubleValue() == d) {
                return r.stripTrailingZeros();
            }
        }
        return exact.round(new java.math.MathContext(17, java.math.RoundingMode.HALF_EVEN)).stripTrailingZeros();
    }
}
