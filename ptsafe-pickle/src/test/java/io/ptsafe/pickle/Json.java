package io.ptsafe.pickle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A small JSON reader for test fixtures: objects, arrays, strings, numbers ({@link Num}), booleans, null. */
public final class Json {
    /** A JSON number, as written. */
    public record Num(String text) {
        public java.math.BigInteger asInteger() {
            return new java.math.BigInteger(text);
        }

        public boolean isInteger() {
            return text.chars().allMatch(c -> c == '-' || Character.isDigit(c));
        }

        public long asLong() {
            return Long.parseLong(text);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private final String s;
    private int p;

    private Json(String s) {
        this.s = s;
    }

    public static Object parse(String text) {
        Json j = new Json(text);
        Object v = j.value();
        j.ws();
        if (j.p != text.length()) {
            throw new IllegalArgumentException("trailing JSON at " + j.p);
        }
        return v;
    }

    public static Object read(Path file) throws IOException {
        return parse(Files.readString(file));
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> obj(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    public static List<Object> arr(Object o) {
        return (List<Object>) o;
    }

    private void ws() {
        while (p < s.length() && Character.isWhitespace(s.charAt(p))) {
            p++;
        }
    }

    private Object value() {
        ws();
        char c = s.charAt(p);
        switch (c) {
            case '{' -> {
                p++;
                Map<String, Object> m = new LinkedHashMap<>();
                ws();
                if (s.charAt(p) == '}') {
                    p++;
                    return m;
                }
                while (true) {
                    ws();
                    String k = string();
                    ws();
                    expect(':');
                    m.put(k, value());
                    ws();
                    if (s.charAt(p) == ',') {
                        p++;
                    } else {
                        expect('}');
                        return m;
                    }
                }
            }
            case '[' -> {
                p++;
                List<Object> l = new ArrayList<>();
                ws();
                if (s.charAt(p) == ']') {
                    p++;
                    return l;
                }
                while (true) {
                    l.add(value());
                    ws();
                    if (s.charAt(p) == ',') {
                        p++;
                    } else {
                        expect(']');
                        return l;
                    }
                }
            }
            case '"' -> {
                return string();
            }
            default -> {
                if (s.startsWith("true", p)) {
                    p += 4;
                    return Boolean.TRUE;
                }
                if (s.startsWith("false", p)) {
                    p += 5;
                    return Boolean.FALSE;
                }
                if (s.startsWith("null", p)) {
                    p += 4;
                    return null;
                }
                int start = p;
                if (s.startsWith("NaN", p) || s.startsWith("Infinity", p) || s.startsWith("-Infinity", p)) {
                    int end = s.indexOf("Infinity", p) == p || s.indexOf("-Infinity", p) == p
                            ? p + (s.charAt(p) == '-' ? 9 : 8) : p + 3;
                    String t = s.substring(p, end);
                    p = end;
                    return new Num(t);
                }
                while (p < s.length() && "+-0123456789.eE".indexOf(s.charAt(p)) >= 0) {
                    p++;
                }
                if (start == p) {
                    throw new IllegalArgumentException("bad JSON at " + p);
                }
                return new Num(s.substring(start, p));
            }
        }
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
