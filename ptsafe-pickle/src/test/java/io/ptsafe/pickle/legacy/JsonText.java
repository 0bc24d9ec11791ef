package io.ptsafe.pickle.legacy;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON reader for fixture files that keeps numbers apart from strings: integers come back
 * as {@link BigInteger}, other numbers as {@link BigDecimal} (with their text, for exact doubles).
 */
final class JsonText {
    /** A JSON number with a fraction or exponent: the text, parsed by {@link Double#parseDouble}. */
    record Real(String text) {
        double value() {
            return Double.parseDouble(text);
        }
    }

    private final String s;
    private int p;

    private JsonText(String s) {
        this.s = s;
    }

    static Object read(Path file) throws IOException {
        JsonText j = new JsonText(Files.readString(file));
        Object v = j.value();
        j.ws();
        if (j.p != j.s.length()) {
            throw new IllegalArgumentException(file + ": trailing JSON at " + j.p);
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> obj(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> arr(Object o) {
        return (List<Object>) o;
    }

    private void ws() {
        while (p < s.length() && " \t\r\n".indexOf(s.charAt(p)) >= 0) {
            p++;
        }
    }

    private Object value() {
        ws();
        char c = s.charAt(p);
        if (c == '{') {
            p++;
            Map<String, Object> m = new LinkedHashMap<>();
            ws();
            if (s.charAt(p) == '}') {
                p++;
                return m;
            }
            do {
                ws();
                String k = string();
                ws();
                expect(':');
                if (m.put(k, value()) != null) {
                    throw new IllegalArgumentException("duplicate key " + k);
                }
                ws();
            } while (s.charAt(p++) == ',');
            if (s.charAt(p - 1) != '}') {
                throw new IllegalArgumentException("expected } at " + (p - 1));
            }
            return m;
        }
        if (c == '[') {
            p++;
            List<Object> l = new ArrayList<>();
            ws();
            if (s.charAt(p) == ']') {
                p++;
                return l;
            }
            do {
                l.add(value());
                ws();
            } while (s.charAt(p++) == ',');
            if (s.charAt(p - 1) != ']') {
                throw new IllegalArgumentException("expected ] at " + (p - 1));
            }
            return l;
        }
        if (c == '"') {
            return string();
        }
        for (String lit : new String[] {"true", "false", "null"}) {
            if (s.startsWith(lit, p)) {
                p += lit.length();
                return lit.equals("null") ? null : Boolean.valueOf(lit);
            }
        }
        int start = p;
        while (p < s.length() && "+-0123456789.eE".indexOf(s.charAt(p)) >= 0) {
            p++;
        }
        String num = s.substring(start, p);
        if (num.isEmpty()) {
            throw new IllegalArgumentException("bad JSON at " + p);
        }
        return num.matches("-?[0-9]+") ? new BigInteger(num) : new Real(num);
    }

    private void expect(char c) {
        if (s.charAt(p) != c) {
            throw new IllegalArgumentException("expected " + c + " at " + p);
        }
        p++;
    }

    private String string() {
        expect('"');
        StringBuilder sb = new StringBuilder();
        while (true) {
            char c = s.charAt(p++);
            if (c == '"') {
                return sb.toString();
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = s.charAt(p++);
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'u' -> {
                    sb.append((char) Integer.parseInt(s.substring(p, p + 4), 16));
                    p += 4;
                }
                default -> sb.append(e);
            }
        }
    }
}
