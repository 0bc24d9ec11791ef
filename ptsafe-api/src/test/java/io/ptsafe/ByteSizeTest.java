package io.ptsafe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ByteSizeTest {
    @Test
    void parsesSizesAsHuggingFaceToolsDo() {
        assertEquals(5_000_000_000L, ByteSize.parse("5GB"));
        assertEquals(500_000_000L, ByteSize.parse("500MB"));
        assertEquals(5L << 30, ByteSize.parse("5GiB"));
        assertEquals(1_500_000_000L, ByteSize.parse("1.5gb"));
        assertEquals(1234, ByteSize.parse("1234"));
        assertEquals(10, ByteSize.parse("10B"));
        assertEquals(2048, ByteSize.parse(" 2 KiB "));
    }

    @Test
    void refusesWhatIsNotASizeQuotingIt() {
        for (String bad : new String[] {"", "GB", "-1", "5 XB", "1e9"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(bad), bad);
            assertEquals("'" + bad + "' is not a size (e.g. 5GB, 500MB, 2GiB, 1048576)", e.getMessage());
        }
        for (String bad : new String[] {"0", "0.5", "99999999999TB"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(bad), bad);
            assertEquals("'" + bad + "' is out of range (1 byte to 2^63 - 1)", e.getMessage());
        }
    }
}
