package io.ptsafe.safetensors;

import io.ptsafe.DType;
import io.ptsafe.Tensor;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/** Run in a child JVM by {@link ExitCleanupTest}: exits the JVM in the middle of a write, as Ctrl-C does. */
public final class ExitMidwayMain {
    private ExitMidwayMain() {
    }

    public static void main(String[] args) throws Exception {
        Tensor big = Tensor.of("big", DType.U8, new long[] {3L * DataCopier.CHUNK},
                MemorySegment.ofArray(new byte[3 * DataCopier.CHUNK]));
        SafetensorsWriter.create().add(big).progress((done, total) -> {
            if (done > DataCopier.CHUNK) {
                System.exit(3);
            }
        }).write(Path.of(args[0]));
    }
}
