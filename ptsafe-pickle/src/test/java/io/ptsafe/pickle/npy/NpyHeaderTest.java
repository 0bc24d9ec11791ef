package io.ptsafe.pickle.npy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.DType;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The header grammar, one literal at a time: what numpy writes is read, the rest refused by its reason. */
class NpyHeaderTest {
    static final Path P = Path.of("t.npy");

    static NpyHeader read(int major, String header) throws PtsafeException {
        return read(major, header, LoadOptions.defaults());
    }

    static NpyHeader read(int major, String header, LoadOptions options) throws PtsafeException {
        byte[] h = header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        b.write(h.length & 0xff);
        b.write(h.length >> 8 & 0xff);
        if (major > 1) {
            b.write(0);
            b.write(0);
        }
        b.writeBytes(h);
        return NpyHeader.read(MemorySegment.ofArray(b.toByteArray()), P, "the file", options);
    }

    /** numpy's own spelling, and the spacing, quoting and trailing-comma variants Python reads alike. */
    @ParameterizedTest
    @ValueSource(strings = {
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }          \n",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}",
        "  {\"shape\": (2,3), \"descr\": \"<f4\", \"fortran_order\": False}\n\n",
        "{'descr':'<f4','fortran_order':False,'shape':(\n 2 ,\t3 ,\n)}",
    })
    void acceptsWhatNumpyWrites(String header) throws PtsafeException {
        NpyHeader h = read(1, header);
        assertEquals(DType.F32, h.dtype());
        assertEquals(ByteOrder.LITTLE_ENDIAN, h.order());
        assertArrayEquals(new long[] {2, 3}, h.shape());
        assertEquals(24, h.byteCount());
        assertEquals(10 + header.length(), h.dataOffset());
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', quoteCharacter = '"', value = {
        "{'descr': '>c16', 'fortran_order': True, 'shape': ()};C128;BIG_ENDIAN;0;16",
        "{'descr': '|b1', 'fortran_order': False, 'shape': (0, 5,)};BOOL;LITTLE_ENDIAN;2;0",
        "{'descr': '<u8', 'fortran_order': False, 'shape': (7,)};U64;LITTLE_ENDIAN;1;56",
        "{'descr': '|u1', 'fortran_order': False, 'shape': (3L, 1L)};U8;LITTLE_ENDIAN;2;3",
    })
    void dtypesShapesAndOrders(String header, DType dtype, String order, int rank, long bytes) throws PtsafeException {
        NpyHeader h = read(2, header);
        assertEquals(dtype, h.dtype());
        assertEquals(order, h.order().toString());
        assertEquals(rank, h.shape().length);
        assertEquals(bytes, h.byteCount());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} + ''|INVALID_HEADER_DESERIALIZATION",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}; import os|INVALID_HEADER_DESERIALIZATION",
        "{'descr': u'<f4', 'fortran_order': False, 'shape': (2,)}|INVALID_HEADER_DESERIALIZATION",
        "{'descr': '<f' '4', 'fortran_order': False, 'shape': (2,)}|INVALID_HEADER_DESERIALIZATION",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\\|INVALID_HEADER_DESERIALIZATION",
        "{'descr': '<\\x66\\x34', 'fortran_order': False, 'shape': (2,)}|INVALID_HEADER_DESERIALIZATION",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (+2,)}|INVALID_HEADER_DESERIALIZATION",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (02,)}|INVALID_HEADER_DESERIALIZATION",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1_0,)}|INVALID_HEADER_DESERIALIZATION",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2.0,)}|INVALID_HEADER_DESERIALIZATION",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (True,)}|INVALID_HEADER_DESERIALIZATION",
        "{'descr': '<f4', 'fortran_order': False, 'shape': ((2,),)}|INVALID_HEADER_DESERIALIZATION",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,),,}|INVALID_HEADER_DESERIALIZATION",
        "{'descr': '<f4', 'fortran_order': Falsey, 'shape': (2,)}|INVALID_HEADER_DESERIALIZATION",
        "{'descr': '<f4', 'fortran_order': False.__class__, 'shape': (2,)}|INVALID_HEADER_DESERIALIZATION",
        "{'descr': '<f4', 'fortran_order': None, 'shape': (2,)}|INVALID_TENSOR_ENTRY",
        "{}|INVALID_TENSOR_ENTRY",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)|INVALID_HEADER_DESERIALIZATION",
        "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,)}|UNSUPPORTED_FORMAT",
        "{'descr': '<U4', 'fortran_order': False, 'shape': (2,)}|UNSUPPORTED_FORMAT",
        "{'descr': '<q', 'fortran_order': False, 'shape': (2,)}|UNKNOWN_DTYPE",
        "{'descr': '', 'fortran_order': False, 'shape': (2,)}|UNKNOWN_DTYPE",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775808,)}|VALIDATION_OVERFLOW",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (9223372036854775807,)}|VALIDATION_OVERFLOW",
    })
    void refusesTheRest(String header, Reason reason) {
        PtsafeException x = assertThrows(PtsafeException.class, () -> read(1, header));
        assertEquals(reason, x.reason(), x::getMessage);
        assertTrue(x.getMessage().contains("t.npy"), x::getMessage);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void anObjectArrayIsKnownByItsDescr(int major) throws PtsafeException {
        assertTrue(read(major, "{'descr': '|O', 'fortran_order': False, 'shape': (3,), }").objectArray());
    }

    @ParameterizedTest
    @ValueSource(ints = {3})
    void version3IsUtf8AndHasNoPython2Longs(int major) throws PtsafeException {
        assertEquals(DType.F64, read(major, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,)}").dtype());
        PtsafeException x = assertThrows(PtsafeException.class,
                () -> read(major, "{'descr': '<f8', 'fortran_order': False, 'shape': (1L,)}"));
        assertEquals(Reason.INVALID_HEADER_DESERIALIZATION, x.reason());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void rankOverTheLimitIsRefused(int major) {
        String shape = "(" + "1, ".repeat(20) + ")";
        PtsafeException x = assertThrows(PtsafeException.class, () -> read(major,
                "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + "}", LoadOptions.builder().maxRank(8).build()));
        assertEquals(Reason.TOO_MANY_DIMENSIONS, x.reason(), x::getMessage);
        assertTrue(x.getMessage().contains("maxRank"), x::getMessage);
    }
}
