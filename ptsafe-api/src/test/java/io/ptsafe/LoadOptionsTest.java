package io.ptsafe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LoadOptionsTest {
    @Test
    void defaultsAreTheDocumentedConstants() {
        LoadOptions o = LoadOptions.defaults();
        assertEquals(100_000_000L, o.maxHeaderBytes());
        assertEquals(LoadOptions.DEFAULT_MAX_TENSORS, o.maxTensors());
        assertEquals(LoadOptions.DEFAULT_MAX_NESTING_DEPTH, o.maxNestingDepth());
        assertEquals(LoadOptions.CrcPolicy.SKIP, o.crcPolicy());
        assertTrue(o.inertGlobals().isEmpty());
    }

    @Test
    void builderIsACopyAndRefusesNonsense() {
        LoadOptions small = LoadOptions.builder().maxTensors(3).maxHeaderBytes(1024).build();
        LoadOptions copy = small.toBuilder().maxRank(2).build();
        assertEquals(3, copy.maxTensors());
        assertEquals(1024, copy.maxHeaderBytes());
        assertEquals(2, copy.maxRank());
        assertEquals(LoadOptions.DEFAULT_MAX_RANK, small.maxRank());
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.builder().maxTensors(0));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.builder().maxHeaderBytes(-1));
    }

    @Test
    void inertGlobalsRefuseDangerousFamiliesAtConfigurationTime() {
        LoadOptions o = LoadOptions.builder().addInertGlobals("argparse.Namespace", "numpy.dtype").build();
        assertEquals(2, o.inertGlobals().size());
        for (String bad : new String[] {"os.system", "posix.system", "builtins.eval", "subprocess.Popen",
                "runpy._run_code", "importlib.import_module", "pip.main", "torch.hub.load", "os.path.join"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LoadOptions.builder().addInertGlobals(bad), bad);
            assertTrue(e.getMessage().contains("dangerous"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.builder().addInertGlobals("nodot"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.builder().addInertGlobals("osx.thing.")); 
    }
}
