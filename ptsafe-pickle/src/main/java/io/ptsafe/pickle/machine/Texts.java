package io.ptsafe.pickle.machine;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Decoders for the text arguments of protocol-0 opcodes and for UTF-8, each refusing what Python
 * would refuse (an {@link IllegalArgumentException} the machine turns into MALFORMED_PICKLE).
 */
public final class Texts {
    private static final Pattern DECIMAL = Pattern.compile("0|-?[1-9][0-9]*");
    private static final Pattern FLOAT = Pattern.compile(
            "[+-]?(?:(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?|(?i:inf|infinity|nan))");

    private Texts() {
    }

    /**
     * Strict UTF-8 (pickled strings, zip entry names). Python's pickle accepts encoded lone surrogates
     * ("surrogatepass"); ptsafe does not.
     *
     * @throws IllegalArgumentException if {@code b} is not UTF-8
     */
    public static String utf8(byte[] b) {
        if (isAscii(b)) {
            // Most pickled strings (names, keys, dtypes) are ASCII: no decoder needed.
            return new String(b, StandardCharsets.ISO_8859_1);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("invalid UTF-8");
        }
    }

    /** Whether {@code n} bytes of {@code b} from {@code off} are all ASCII. */
    static boolean isAscii(byte[] b, int off, int n) {
        for (int i = off, end = off + n; i < end; i++) {
            if (b[i] < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAscii(byte[] b) {
        for (byte x : b) {
            if (x < 0) {
                return false;
            }
        }
        return true;
    }

    /** ASCII, strictly (PERSID). */
    static String ascii(byte[] b) {
        if (!isAscii(b)) {
            throw new IllegalArgumentException("not ASCII");
        }
        return new String(b, StandardCharsets.US_ASCII);
    }

    /**
     * A text argument CPython's two unpicklers read differently (or one reads and one refuses): the
     * machine refuses it as AMBIGUOUS_PICKLE_TEXT rather than MALFORMED_PICKLE.
     */
    static final class AmbiguousText extends IllegalArgumentException {
        AmbiguousText(String message) {
            super(message);
        }
    }

    /**
     * A decimal integer exactly as pickle writes it ({@code repr(int)}): "0", or an optional minus and
     * digits without a leading zero. Nothing else is read, as C _pickle and pickle.py read other forms
     * differently or not at all (see {@link #intArgument} and docs/differentials/pickle.md).
     */
    static BigInteger decimal(String s) {
        if (!DECIMAL.matcher(s).matches()) {
            if (s.indexOf('\0') >= 0) {
                // C _pickle parses the line as a C string (strtol, PyLong_FromString): it stops at the NUL
                // and reads the digits before it; pickle.py's int() refuses the whole line.
                throw new AmbiguousText("NUL byte in an integer: C _pickle reads the digits before it, "
                        + "pickle.py refuses it: '" + clip(s) + "'");
            }
            throw new IllegalArgumentException("not a decimal integer as pickle writes it: '" + clip(s) + "'");
        }
        return new BigInteger(s);
    }

    /**
     * The INT opcode's argument (the line without its newline), other than "00" and "01". C _pickle
     * load_int reads it with strtol(s, &end, 0): "010" is octal 8 where pickle.py's int(s, 0) refuses
     * it, and any two-character line strtol reads as 0 or 1 ("-0", "+1", " 1") is a bool where
     * pickle.py (load_int, line 1269) makes an int. Those are refused as ambiguous; other forms that
     * are not pickle's own are refused as malformed.
     */
    static BigInteger intArgument(String s) {
        if (DECIMAL.matcher(s).matches()) {
            return new BigInteger(s);
        }
        String body = s.strip();
        if (body.startsWith("+") || body.startsWith("-")) {
            body = body.substring(1).strip();
        }
        if (body.length() > 1 && body.charAt(0) == '0' && (Character.isDigit(body.charAt(1)) || body.charAt(1) == '_')
                && body.chars().anyMatch(c -> c >= '1' && c <= '9')) {
            throw new AmbiguousText("integer with a leading zero: C _pickle reads it as octal, pickle.py refuses "
                    + "it: '" + clip(s) + "'");
        }
        if (s.length() == 2 && (body.equals("0") || body.equals("1"))) {
            throw new AmbiguousText("'" + s + "' is a bool to C _pickle (any two-character 0 or 1) and an int to "
                    + "pickle.py");
        }
        return decimal(s);
    }

    /**
     * A float in the syntax Python's repr writes ("1.5", "1e+100", "inf", "nan"), read as C _pickle's
     * load_float does (PyOS_string_to_double, correctly rounded like Double.parseDouble). A finite
     * literal too large for a double is refused: C raises OverflowError, pickle.py's float() returns
     * inf. So are spaces, underscores and NULs, which float() accepts or C stops at.
     */
    static double pyFloat(String s) {
        if (!FLOAT.matcher(s).matches()) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\0' || c == '_' || Character.isWhitespace(c)) {
                    throw new AmbiguousText("float with " + (c == '\0' ? "a NUL byte" : c == '_' ? "an underscore"
                            : "whitespace") + ": C _pickle and pickle.py read it differently: '" + clip(s) + "'");
                }
            }
            throw new IllegalArgumentException("not a float: '" + clip(s) + "'");
        }
        String t = s.toLowerCase(java.util.Locale.ROOT);
        boolean negative = t.startsWith("-");
        String body = t.startsWith("+") || negative ? t.substring(1) : t;
        double d = switch (body) {
            case "inf", "infinity" -> negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            case "nan" -> Double.NaN;
            default -> Double.parseDouble(t);
        };
        if (Double.isInfinite(d) && !body.startsWith("inf")) {
            throw new AmbiguousText("float '" + clip(s) + "' overflows a double: C _pickle raises OverflowError, "
                    + "pickle.py reads " + (negative ? "-inf" : "inf"));
        }
        return d;
    }

    /**
     * The STRING opcode's argument: a quoted literal, unquoted and then decoded like Python's
     * {@code codecs.escape_decode}. Returns the bytes.
     */
    static byte[] quotedString(byte[] line) {
        int n = line.length;
        if (n < 2 || line[0] != line[n - 1] || (line[0] != '\'' && line[0] != '"')) {
            throw new IllegalArgumentException("the STRING opcode argument must be quoted");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(n);
        int i = 1;
        int end = n - 1;
        while (i < end) {
            byte c = line[i++];
            if (c != '\\') {
                out.write(c);
                continue;
            }
            if (i >= end) {
                throw new IllegalArgumentException("trailing \\ in string");
            }
            byte e = line[i++];
            switch (e) {
                case '\n' -> { }
                case '\\' -> out.write('\\');
                case '\'' -> out.write('\'');
                case '"' -> out.write('"');
                case 'a' -> out.write(7);
                case 'b' -> out.write(8);
                case 'f' -> out.write(12);
                case 'n' -> out.write(10);
                case 'r' -> out.write(13);
                case 't' -> out.write(9);
                case 'v' -> out.write(11);
                case 'x' -> {
                    if (i + 2 > end || hex(line[i]) < 0 || hex(line[i + 1]) < 0) {
                        throw new IllegalArgumentException("invalid \\x escape at position " + (i - 2));
                    }
                    out.write(hex(line[i]) * 16 + hex(line[i + 1]));
                    i += 2;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int k = 0; k < 2 && i < end && line[i] >= '0' && line[i] <= '7'; k++) {
                            v = v * 8 + (line[i++] - '0');
                        }
                        out.write(v & 0xff);
                    } else {
                        out.write('\\');
                        out.write(e);
                    }
                }
            }
        }
        return out.toByteArray();
    }

    /**
     * Python's raw-unicode-escape decoder (the UNICODE opcode): bytes are Latin-1 characters,
     * except that {@code \\uXXXX} and {@code \\UXXXXXXXX} after an odd number of backslashes are
     * code points.
     */
    static String rawUnicodeEscape(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length);
        int i = 0;
        while (i < b.length) {
            if (b[i] != '\\') {
                sb.append((char) (b[i++] & 0xff));
                continue;
            }
            int start = i;
            while (i < b.length && b[i] == '\\') {
                sb.append('\\');
                i++;
            }
            if (((i - start) & 1) == 0 || i >= b.length || (b[i] != 'u' && b[i] != 'U')) {
                continue;
            }
            int digits = b[i] == 'u' ? 4 : 8;
            i++;
            sb.setLength(sb.length() - 1);
            if (i + digits > b.length) {
                throw new IllegalArgumentException("truncated \\" + (digits == 4 ? "uXXXX" : "UXXXXXXXX") + " escape");
            }
            int cp = 0;
            for (int k = 0; k < digits; k++) {
                int h = hex(b[i + k]);
                if (h < 0) {
                    throw new IllegalArgumentException("truncated \\" + (digits == 4 ? "uXXXX" : "UXXXXXXXX") + " escape");
                }
                cp = cp * 16 + h;
                if (cp > 0x10FFFF) {
                    throw new IllegalArgumentException("\\Uxxxxxxxx out of range");
                }
            }
            i += digits;
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    private static int hex(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** At most 40 characters of a string, for messages. */
    static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
