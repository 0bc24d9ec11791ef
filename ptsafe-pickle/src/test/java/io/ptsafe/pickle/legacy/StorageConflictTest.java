package io.ptsafe.pickle.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * One storage key named with two types or sizes, refused with the same words in both formats: the
 * legacy roots are checked against their own table ({@link LegacyStorageIds}), the zip format's
 * against {@code StorageIds}' table.
 */
class StorageConflictTest {
    @Test
    void legacyRootNamedWithTwoSizes() {
        Path p = LegacyCraftedTest.DIR.resolve("storage_two_sizes.legacy.pt");
        PtsafeException x = assertThrows(PtsafeException.class, () -> SafeLoader.open(p).close());
        assertEquals(Reason.STORAGE_CONFLICT, x.reason());
        assertTrue(x.getMessage().contains("pickle 4 of the legacy stream (the object), byte 253 (file offset 390), "
                + "BINPERSID: storage '94310001' is named as torch.FloatStorage of 2 and before as torch.FloatStorage "
                + "of 4"), x.getMessage());
    }

    @Test
    void zipKeyNamedWithTwoTypes() {
        Path p = Path.of("src/test/resources/torch/malicious/zip_storage_conflict.pt");
        PtsafeException x = assertThrows(PtsafeException.class, () -> SafeLoader.open(p).close());
        assertEquals(Reason.STORAGE_CONFLICT, x.reason());
        assertTrue(x.getMessage().contains("archive/data.pkl, byte 236 (file offset 300), BINPERSID: storage '0' is "
                + "named as torch.LongStorage of 2 and before as torch.FloatStorage of 4"), x.getMessage());
    }
}
