package io.ptsafe.spark;

import java.util.Locale;

/** What one row is: a file ({@code mode=files}) or a tensor ({@code mode=tensors}). */
enum Mode {
    FILES, TENSORS;

    static Mode of(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("option mode: '" + value + "' is neither files nor tensors");
        }
    }
}
