package io.ptsafe.pickle.npy;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The strict grammar of a {@code .npy} header: the Python dict literal numpy writes, read by hand,
 * never evaluated. numpy reads it with {@code ast.literal_eval} (numpy/lib/format.py 1.24,
 * {@code _read_array_header}, lines 593-656) and then requires a dict of exactly the keys
 * {@code 'descr'}, {@code 'fortran_order'} and {@code 'shape'} (line 640), a tuple of ints for the
 * shape (line 645) and a bool for fortran_order (line 649). What is accepted here is a subset of
 * what passes those checks, the subset numpy (any version since 1.0) writes:
 *
 * <pre>
 * header  = [ \t]* "{" ws entry (ws "," ws entry)* ws [","] ws "}" blank*
 * entry   = key ws ":" ws value          (each of the three keys exactly once)
 * key     = str                          ('descr', 'fortran_order' or 'shape')
 * descr   = str                          (a dtype string; a list or tuple is refused by name)
 * fortran = "True" | "False"
 * shape   = "(" ws ")" | "(" ws int ws "," ws ")" | "(" ws int (ws "," ws int)+ ws [","] ws ")"
 * int     = "0" | [1-9][0-9]*  ["L" in versions 1.0 and 2.0]
 * str     = "'" [^'\\\n]* "'" | '"' [^"\\\n]* '"'
 * ws      = [ \t\r\n\f]*                 (inside the braces, where Python joins lines)
 * blank   = [ \t\r\n\f]
 * </pre>
 *
 * The {@code L} suffix is what numpy's {@code _filter_header} (lines 558-590) removes from headers of
 * versions 1.0 and 2.0 written by Python 2. Refused although {@code literal_eval} would take them:
 * comments, backslashes (escapes, line continuations), string prefixes and concatenation, signs,
 * other number forms ({@code 0x10}, {@code 1_0}, {@code 007}), {@code True} as a dimension, nested
 * parentheses, a repeated key (where Python keeps the last). Anything else, names, calls, attribute
 * access ({@code __import__('os')}), is no literal and refused at its first character.
 */
final class HeaderGrammar {
    /** The three values numpy requires. */
    record Fields(String descr, boolean fortran, long[] shape) {
    }

    /** numpy 1.24's NPY_MAXDIMS (numpy/core/include/numpy/ndarraytypes.h). */
    static final int MAX_DIMS = 32;

    private final String text;
    private final boolean python2Longs;
    private final Path path;
    private final String where;
    private int pos;

    private HeaderGrammar(String text, boolean python2Longs, Path path, String where) {
        this.text = text;
        this.python2Longs = python2Longs;
        this.path = path;
        this.where = where;
    }

    /**
     * Parses a decoded header.
     *
     * @param text         the header as numpy decodes it (latin-1, or UTF-8 for version 3.0)
     * @param python2Longs whether {@code 3L} reads as {@code 3} (versions 1.0 and 2.0)
     * @param path         the file, for messages
     * @param where        the place, e.g. "member 'a.npy': header at byte 10"
     * @return the three fields
     * @throws PtsafeException {@link Reason#INVALID_HEADER_DESERIALIZATION} at the first character
     *         outside the grammar, {@link Reason#DUPLICATE_KEY}, {@link Reason#INVALID_TENSOR_ENTRY} for
     *         a missing or unknown key or a value of the wrong type, {@link Reason#UNSUPPORTED_FORMAT}
     *         for a structured or subarray descr, {@link Reason#VALIDATION_OVERFLOW} for a dimension
     *         past 2^63-1
     */
    static Fields parse(String text, boolean python2Longs, Path path, String where) throws PtsafeException {
        return new HeaderGrammar(text, python2Longs, path, where).header();
    }

    private Fields header() throws PtsafeException {
        // literal_eval strips leading spaces and tabs only (Lib/ast.py, literal_eval).
        while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\t')) {
            pos++;
        }
        expect('{', "the header must be a dict literal");
        String descr = null;
        Boolean fortran = null;
        long[] shape = null;
        boolean first = true;
        while (true) {
            ws();
            if (peek() == '}') {
                break;
            }
            if (!first) {
                expect(',', "expected ',' or '}' between the dict's entries");
                ws();
                if (peek() == '}') {
                    break;
                }
            }
            first = false;
            int keyAt = pos;
            String key = string("a dict key must be a quoted string");
            ws();
            expect(':', "expected ':' after the key '" + clip(key) + "'");
            ws();
            switch (key) {
                case "descr" -> {
                    duplicate(descr != null, key, keyAt);
                    descr = descr();
                }
                case "fortran_order" -> {
                    duplicate(fortran != null, key, keyAt);
                    fortran = bool();
                }
                case "shape" -> {
                    duplicate(shape != null, key, keyAt);
                    shape = shape();
                }
                default -> throw new PtsafeException(Reason.INVALID_TENSOR_ENTRY, path, where + ": key '" + clip(key)
                        + "' at character " + keyAt + "; numpy requires exactly 'descr', 'fortran_order' and 'shape' "
                        + "(format.py line 640)");
            }
        }
        pos++;
        while (pos < text.length() && isBlank(text.charAt(pos))) {
            pos++;
        }
        if (pos != text.length()) {
            throw syntax("nothing may follow the dict but blanks");
        }
        if (descr == null || fortran == null || shape == null) {
            List<String> missing = new ArrayList<>();
            if (descr == null) {
                missing.add("'descr'");
            }
            if (fortran == null) {
                missing.add("'fortran_order'");
            }
            if (shape == null) {
                missing.add("'shape'");
            }
            throw new PtsafeException(Reason.INVALID_TENSOR_ENTRY, path, where + ": no key " + String.join(", ", missing)
                    + "; numpy requires exactly 'descr', 'fortran_order' and 'shape' (format.py line 640)");
        }
        return new Fields(descr, fortran, shape);
    }

    private void duplicate(boolean seen, String key, int at) throws PtsafeException {
        if (seen) {
            throw new PtsafeException(Reason.DUPLICATE_KEY, path, where + ": key '" + key + "' again at character " + at
                    + " (Python would keep the last; ptsafe refuses the ambiguity)");
        }
    }

    private String descr() throws PtsafeException {
        char c = peek();
        if (c == '[' || c == '(') {
            throw new PtsafeException(Reason.UNSUPPORTED_FORMAT, path, where + ": descr at character " + pos + " is a "
                    + (c == '[' ? "list (a structured dtype, fields of several types)" : "tuple (a subarray dtype)")
                    + "; ptsafe reads arrays of one numeric or bool dtype only");
        }
        return string("descr must be a quoted dtype string");
    }

    private boolean bool() throws PtsafeException {
        if (text.startsWith("True", pos)) {
            pos += 4;
            return endOfWord(true);
        }
        if (text.startsWith("False", pos)) {
            pos += 5;
            return endOfWord(false);
        }
        throw new PtsafeException(Reason.INVALID_TENSOR_ENTRY, path, where + ": fortran_order at character " + pos
                + " must be True or False, got " + excerpt() + " (format.py line 649)");
    }

    private boolean endOfWord(boolean value) throws PtsafeException {
        if (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_'
                || text.charAt(pos) == '.' || text.charAt(pos) == '(')) {
            throw syntax("a name, not True or False");
        }
        return value;
    }

    private long[] shape() throws PtsafeException {
        if (peek() != '(') {
            throw new PtsafeException(Reason.INVALID_TENSOR_ENTRY, path, where + ": shape at character " + pos
                    + " must be a tuple of ints, got " + excerpt() + " (format.py line 645)");
        }
        pos++;
        List<Long> dims = new ArrayList<>();
        boolean comma = false;
        ws();
        while (peek() != ')') {
            if (!dims.isEmpty() && !comma) {
                throw syntax("expected ',' or ')' in the shape");
            }
            dims.add(dimension());
            ws();
            comma = peek() == ',';
            if (comma) {
                pos++;
                ws();
            }
            if (dims.size() > MAX_DIMS) {
                throw new PtsafeException(Reason.TOO_MANY_DIMENSIONS, path, where + ": a shape of more than " + MAX_DIMS
                        + " dimensions; numpy arrays have at most " + MAX_DIMS + " (NPY_MAXDIMS)");
            }
        }
        pos++;
        if (dims.size() == 1 && !comma) {
            throw new PtsafeException(Reason.INVALID_TENSOR_ENTRY, path, where + ": shape (" + dims.getFirst()
                    + ") is an int in parentheses, not a tuple; numpy writes (" + dims.getFirst() + ",) and "
                    + "refuses an int (format.py line 645)");
        }
        long[] out = new long[dims.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = dims.get(i);
        }
        return out;
    }

    private long dimension() throws PtsafeException {
        int start = pos;
        while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
            pos++;
        }
        if (pos == start) {
            throw syntax("a shape holds decimal ints only");
        }
        String digits = text.substring(start, pos);
        if (digits.length() > 1 && digits.charAt(0) == '0') {
            throw syntax("a decimal int with a leading zero");
        }
        if (python2Longs && peek() == 'L') {
            pos++;
        }
        if (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_'
                || text.charAt(pos) == '.')) {
            throw syntax("a decimal int must end here");
        }
        if (digits.length() > 19 || digits.length() == 19 && digits.compareTo("9223372036854775807") > 0) {
            throw new PtsafeException(Reason.VALIDATION_OVERFLOW, path, where + ": dimension "
                    + (digits.length() > 40 ? digits.substring(0, 40) + "..." : digits) + " at character " + start
                    + " is past 2^63-1");
        }
        return Long.parseLong(digits);
    }

    private String string(String what) throws PtsafeException {
        char q = peek();
        if (q != '\'' && q != '"') {
            throw syntax(what);
        }
        int start = ++pos;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == q) {
                return text.substring(start, pos++);
            }
            if (c == '\\' || c == '\n' || c == '\r') {
                throw syntax("an escape or line break inside a string");
            }
            pos++;
        }
        throw syntax("the string does not end");
    }

    private void ws() {
        while (pos < text.length() && isBlank(text.charAt(pos))) {
            pos++;
        }
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void expect(char c, String what) throws PtsafeException {
        if (peek() != c) {
            throw syntax(what);
        }
        pos++;
    }

    private PtsafeException syntax(String what) {
        return new PtsafeException(Reason.INVALID_HEADER_DESERIALIZATION, path, where + ": not the dict literal numpy "
                + "writes at character " + pos + " (" + excerpt() + "): " + what + "; the header is parsed as data, "
                + "never evaluated");
    }

    private String excerpt() {
        if (pos >= text.length()) {
            return "end of header";
        }
        String s = text.substring(pos, Math.min(text.length(), pos + 24));
        StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return sb.append(pos + 24 < text.length() ? "...'" : "'").toString();
    }

    private static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
