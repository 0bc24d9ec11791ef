package io.ptsafe.safetensors.reader;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.nio.file.Path;

/**
 * Which JSON document is being read, for messages and reasons: a safetensors header or a sharded
 * checkpoint's index.
 *
 * @param file      the file holding it
 * @param what      "header" or "index"
 * @param malformed the reason for JSON that is malformed or of the wrong shape
 * @param badNumber the reason for a number that is not a plain unsigned integer of 64 bits
 */
record JsonSource(Path file, String what, Reason malformed, Reason badNumber) {

    static JsonSource header(Path file) {
        return new JsonSource(file, "header", Reason.INVALID_HEADER_DESERIALIZATION, Reason.INVALID_NUMBER);
    }

    static JsonSource index(Path file) {
        return new JsonSource(file, "index", Reason.INVALID_INDEX, Reason.INVALID_INDEX);
    }

    /** "header byte 12", the place a message points at. */
    String at(long offset) {
        return what + " byte " + offset;
    }

    PtsafeException malformed(long offset, String message) {
        return new PtsafeException(malformed, file, message + " (at " + at(offset) + ")");
    }
}
