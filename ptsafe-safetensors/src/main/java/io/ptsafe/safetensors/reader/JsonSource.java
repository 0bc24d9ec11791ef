package io.ptsafe.safetensors.reader;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * Which JSON document is being read, for messages and reasons: a safetensors header or a sharded
 * checkpoint's index. Places in messages are byte offsets in the document; jackson counts characters
 * (it reads the bytes through a UTF-8 reader, see {@link JsonReader}), so its offsets are converted,
 * only when a message is written.
 *
 * @param file      the file holding it
 * @param json      the document's bytes, valid UTF-8 once {@link Utf8Validation} passed
 * @param what      "header" or "index"
 * @param malformed the reason for JSON that is malformed or of the wrong shape
 * @param badNumber the reason for a number that is not a plain unsigned integer of 64 bits
 */
record JsonSource(Path file, MemorySegment json, String what, Reason malformed, Reason badNumber) {

    static JsonSource header(Path file, MemorySegment json) {
        return new JsonSource(file, json, "header", Reason.INVALID_HEADER_DESERIALIZATION, Reason.INVALID_NUMBER);
    }

    static JsonSource index(Path file, MemorySegment json) {
        return new JsonSource(file, json, "index", Reason.INVALID_INDEX, Reason.INVALID_INDEX);
    }

    /** "header byte 12", for a byte offset. */
    String atByte(long byteOffset) {
        return what + " byte " + byteOffset;
    }

    /** "header byte 12", for the offset of a character, as jackson counts them (UTF-16 units). */
    String at(long charOffset) {
        return atByte(byteOffset(charOffset));
    }

    /** A malformed-document refusal at a jackson character offset. */
    PtsafeException malformed(long charOffset, String message) {
        return malformedAtByte(byteOffset(charOffset), message);
    }

    PtsafeException malformedAtByte(long byteOffset, String message) {
        return new PtsafeException(malformed, file, message + " (at " + atByte(byteOffset) + ")");
    }

    /** "tensor 'w' (header byte 12)", the place a message about a tensor points at. */
    String tensor(String name, long charOffset) {
        return "tensor '" + JsonReader.abbreviate(name) + "' (" + at(charOffset) + ")";
    }

    private long byteOffset(long charOffset) {
        if (charOffset < 0) {
            return charOffset;
        }
        long units = 0;
        for (long i = 0; i < json.byteSize(); i++) {
            int b = json.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
            if ((b & 0xC0) != 0x80) { // a lead byte starts the next character
                if (units >= charOffset) {
                    return i;
                }
                units += (b & 0xF8) == 0xF0 ? 2 : 1;
            }
        }
        return json.byteSize();
    }
}
