package io.ptsafe.safetensors;

import io.ptsafe.DType;
import io.ptsafe.FileFormat;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.spi.BasicTensorFile;
import io.ptsafe.spi.MappedFiles;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The tests' memory-mapped reading of a safetensors file (only the header is read onto the heap). */
final class MappedTestFile {
    private MappedTestFile() {
    }

    static TensorFile open(Path p) throws IOException {
        byte[] head;
        try (FileChannel ch = FileChannel.open(p)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            int n = (int) len.flip().getLong();
            head = new byte[8 + n];
            ch.read(ByteBuffer.wrap(head), 0);
        }
        RawSafetensors raw = RawSafetensors.parse(head);
        Arena arena = Arena.ofShared();
        MemorySegment map = MappedFiles.map(p, arena);
        List<Tensor> tensors = new ArrayList<>();
        for (RawSafetensors.Entry e : raw.entries()) {
            tensors.add(Tensor.builder(e.name(), DType.fromSafetensorsName(e.dtype()).orElseThrow(), e.shape(),
                    map.asSlice(head.length + e.begin(), e.end() - e.begin())).arena(arena).file(p).build());
        }
        return new BasicTensorFile(p, FileFormat.SAFETENSORS, tensors, raw.metadata(), null, arena, List.of());
    }
}
