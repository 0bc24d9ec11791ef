package io.ptsafe.pickle.legacy;

import io.ptsafe.FileFormat;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.machine.PickleListener;
import io.ptsafe.pickle.torch.TensorTree;
import io.ptsafe.spi.BasicTensorFile;
import io.ptsafe.spi.MappedFiles;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Opens a legacy {@code torch.save} stream ({@link LegacyStream}) as a {@link TensorFile} of format
 * {@link FileFormat#TORCH_LEGACY}: one read-only mapping of the file in a shared arena owned by the
 * result, every tensor a zero-copy view of its storage block (views and big-endian hosts aside: see
 * {@link io.ptsafe.Tensor#data()}). Tensors are named as for zip checkpoints ({@link TensorTree}).
 */
public final class LegacyReader {
    private LegacyReader() {
    }

    /** Opens, fully validates and returns the checkpoint; on any refusal nothing stays mapped. */
    public static TensorFile open(Path path, LoadOptions options) throws PtsafeException {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment file = MappedFiles.map(path, arena);
            LegacyStream stream = LegacyStream.read(path, file, options, PickleListener.NONE);
            // Legacy storages are little-endian whatever the writing host (see SysInfo).
            TensorTree.Tree tree = TensorTree.build(stream.object(), stream.storages(), ByteOrder.LITTLE_ENDIAN,
                    arena, options);
            return new BasicTensorFile(path, FileFormat.TORCH_LEGACY, tree.tensors(), Map.of(), tree.root(), arena,
                    List.of());
        } catch (InternalError e) {
            // A mapped page that vanished: the file was truncated or replaced while being read.
            arena.close();
            throw new PtsafeException(Reason.FILE_CHANGED, path, "the file changed or was truncated while it was read ("
                    + e.getMessage() + ")", e);
        } catch (PtsafeException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }
}
