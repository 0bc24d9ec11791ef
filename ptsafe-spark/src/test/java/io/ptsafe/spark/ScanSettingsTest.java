package io.ptsafe.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LoadOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScanSettingsTest {
    @Test
    void optionsBecomeLoadOptions() {
        ScanSettings s = ScanSettings.of(Map.of("MODE", "Tensors", "limit.maxtensors", "5000000",
                "limit.maxArchiveBytes", "2GiB", "crc", "true", "inert", "argparse.Namespace, collections.OrderedDict",
                "maxRemoteFileBytes", "50GB", "path", "/x"));
        assertEquals(Mode.TENSORS, s.mode);
        LoadOptions o = s.loadOptions();
        assertEquals(5_000_000, o.maxTensors());
        assertEquals(2L << 30, o.maxArchiveBytes());
        assertEquals(LoadOptions.CrcPolicy.CHECK_IF_PRESENT, o.crcPolicy());
        assertTrue(o.inertGlobals().contains("argparse.Namespace"));
        assertEquals(50_000_000_000L, s.maxRemoteFileBytes);
        assertTrue(s.hashFiles);
    }

    @Test
    void defaults() {
        ScanSettings s = ScanSettings.of(Map.of());
        assertEquals(Mode.FILES, s.mode);
        assertEquals(LoadOptions.defaults().toString(), s.loadOptions().toString());
        assertEquals(16L << 30, s.maxRemoteFileBytes);
        assertEquals(0, s.maxPartitions);
    }

    @Test
    void mistakesAreRefusedNamingTheOption() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ScanSettings.of(Map.of("limit.maxTensor", "5")))
                .getMessage().contains("unknown option 'limit.maxtensor'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ScanSettings.of(Map.of("mode", "models")))
                .getMessage().contains("option mode"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ScanSettings.of(Map.of("maxRemoteFileBytes", "lots"))).getMessage().contains("maxRemoteFileBytes"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ScanSettings.of(Map.of("hashFiles", "yes")))
                .getMessage().contains("hashFiles"));
        assertThrows(IllegalArgumentException.class, () -> ScanSettings.of(Map.of("limit.maxTensors", "0")));
        assertThrows(IllegalArgumentException.class, () -> ScanSettings.of(Map.of("inert", "os.system")));
        assertThrows(IllegalArgumentException.class, () -> ScanSettings.of(Map.of("maxPartitions", "0")));
    }
}
