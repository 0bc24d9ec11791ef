package io.ptsafe.safetensors;

import java.util.List;
import java.util.Map;

/**
 * Writes a safetensors header exactly as serde_json writes the reference's: compact, {@code __metadata__}
 * first, then each tensor as {@code {"dtype":..,"shape":[..],"data_offsets":[b,e]}} in layout order.
 *
 * <p>Written by hand rather than with a JSON library because the bytes must match serde_json's:
 * only {@code "}, {@code \} and control characters are escaped, the five short escapes
 * {@code \b \t \n \f \r} are used where they exist and {@code \}{@code u00xx} with lower-case hex
 * otherwise; everything else, including non-ASCII, is written as UTF-8.
 */
final class HeaderJson {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private HeaderJson() {
    }

    /** The header JSON (before padding) for entries already in layout order with their offsets. */
    static String of(Map<String, String> metadata, List<Layout.Entry> entries, long[] begins, long[] ends) {
        StringBuilder sb = new StringBuilder(64 + entries.size() * 96);
        sb.append('{');
        boolean first = true;
        if (!metadata.isEmpty()) {
            sb.append("\"__metadata__\":{");
            boolean firstKey = true;
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                if (!firstKey) {
                    sb.append(',');
                }
                firstKey = false;
                string(sb, m.getKey());
                sb.append(':');
                string(sb, m.getValue());
            }
            sb.append('}');
            first = false;
        }
        for (int i = 0; i < entries.size(); i++) {
            Layout.Entry e = entries.get(i);
            if (!first) {
                sb.append(',');
            }
            first = false;
            string(sb, e.name());
            sb.append(":{\"dtype\":\"").append(e.safetensorsName()).append("\",\"shape\":[");
            long[] shape = e.shape();
            for (int d = 0; d < shape.length; d++) {
                if (d > 0) {
                    sb.append(',');
                }
                sb.append(shape[d]);
            }
            sb.append("],\"data_offsets\":[").append(begins[i]).append(',').append(ends[i]).append("]}");
        }
        return sb.append('}').toString();
    }

    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\f' -> sb.append("\\f");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20) {
                        sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
