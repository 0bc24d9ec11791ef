package io.ptsafe.examples;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.SafeLoader;
import io.ptsafe.Slice;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.djl.DjlOptions;
import io.ptsafe.djl.StateDicts;
import io.ptsafe.safetensors.SafetensorsWriter;
import io.ptsafe.scan.UploadScanner;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * The Java snippets of the READMEs, as compiled code: each README block marked
 * {@code <!-- snippet: NAME -->} is the region between {@code // tag::NAME[]} and
 * {@code // end::NAME[]} here, which {@link ReadmeSnippetsTest} checks and runs.
 */
final class ReadmeSnippets {
    private ReadmeSnippets() {
    }

    static void write(Path path) throws IOException {
        // tag::write[]
        Tensor weight = Tensor.of("fc.weight", new float[] {1, 2, 3, 4, 5, 6}, 2, 3);   // little-endian on any platform
        Tensor bias = Tensor.of("fc.bias", new float[] {0.5f, -0.5f}, 2);
        SafetensorsWriter.create().add(weight).add(bias).metadata("format", "pt").write(path);
        // end::write[]
    }

    static void quickStart(Path path) {
        // tag::quickstart[]
        try (TensorFile file = SafeLoader.open(path)) {       // safetensors, .pt/.pth/.bin, or a shard index
            for (String name : file.keys()) {                 // in file order
                Tensor t = file.tensor(name);
                System.out.println(name + " " + t.dtype() + " " + Arrays.toString(t.shape()));
            }
            Tensor w = file.tensor("fc.weight");              // NoSuchElementException if absent; findTensor: Optional
            MemorySegment bytes = w.data();                   // read-only, little-endian, row-major; zero-copy when contiguous
            float[] values = w.toFloatArray();                // F32, F16, BF16 and the F8 types widened to float
            List<float[]> all = file.tensors().stream().map(Tensor::toFloatArray).toList();   // no checked exception
            System.out.println(bytes.byteSize() + " bytes, " + values.length + " floats, " + all.size() + " tensors");
        } catch (PtsafeException e) {                         // the file was refused: e.reason() names the rule
            System.err.println(e.reason() + ": " + e.getMessage());   // the rule, the file, the place, the value
        } catch (IOException e) {                             // the file could not be read
            System.err.println(e.getMessage());
        }
        // end::quickstart[]
    }

    static float[] slices(TensorFile file) {
        // tag::slices[]
        Tensor t = file.tensor("t");                          // shape [4, 3, 5]
        Tensor rows = t.slice(1, 3);                          // t[1:3]: zero-copy, contiguous
        Tensor cols = t.slice(2, 0, 2);                       // t[:, :, 0:2]: a strided view of the same storage
        Tensor s = t.slice(Slice.range(1, 3), Slice.all(), Slice.range(0, 2));   // t[1:3, :, 0:2]
        float[] values = s.toFloatArray();                    // gathered once, like torch's .contiguous()
        long[] steps = file.tensor("steps").toLongArray();    // exact: I64, I32, I16, I8, U32, U16, U8, BOOL
        // end::slices[]
        if (rows.isView() || !cols.isView() || steps.length != 12) {
            throw new AssertionError(rows + " " + cols + " " + steps.length);
        }
        return values;
    }

    static int limits(Path path, Properties config) throws IOException {
        // tag::limits[]
        LoadOptions options = LoadOptions.builder().maxTensors(5_000_000).maxRank(128).build();
        try (TensorFile file = SafeLoader.open(path, options)) {
            System.out.println(file.keys());
        }
        // from configuration: the same names; an unknown name or a value out of range is an IllegalArgumentException
        LoadOptions configured = LoadOptions.builder()
                .limit("maxTensors", Long.parseLong(config.getProperty("ptsafe.maxTensors"))).build();
        // end::limits[]
        return Math.toIntExact(configured.limit("maxTensors"));
    }

    static void uploads(Path dir, InputStream body) throws IOException {
        // tag::uploads[]
        UploadScanner uploads = UploadScanner.create(dir.resolve("quarantine"), dir.resolve("store"),
                LoadOptions.builder().maxStreamBytes(2L << 30).build());      // uploads up to 2 GiB
        uploads.deleteLeftovers();                                         // at start: what a crash left
        try {
            UploadScanner.Upload u = uploads.scan(body, "model.pt");       // the name is for the report only
            if (u.stored().isPresent()) {
                System.out.println("kept " + u.stored().get());             // store/<sha256>, moved atomically
            } else {
                System.out.println(u.verdict() + " " + u.report().findings()); // already deleted
            }
        } catch (LimitExceededException e) {
            System.out.println("too large: " + e.getMessage());             // deleted, the rest left unread
        } // any other IOException (the client went away, a full disk): deleted too
        // end::uploads[]
    }

    static float[] djl(Path pt, Path saved) throws IOException {
        // tag::djl[]
        // torch: nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)), torch.save(model.state_dict(), "mlp.pt")
        SequentialBlock mlp = new SequentialBlock()
                .add(Linear.builder().setUnits(8).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(3).build());
        try (Model model = Model.newInstance("mlp", "PyTorch")) {
            // builds the block, loads 0.weight into 01Linear_weight ..., strict: every problem in one exception
            StateDicts.initialize(model, mlp, pt, DjlOptions.defaults(), new Shape(1, 4));
            NDManager manager = model.getNDManager();
            NDArray x = manager.create(new float[] {1, 2, 3, 4}, new Shape(1, 4));
            NDArray y = mlp.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow();
            // after fine-tuning in DJL: torch's names again, read back by safetensors.torch.load_file
            StateDicts.save(mlp, saved, DjlOptions.defaults());
            return y.toFloatArray();
        }
        // end::djl[]
    }
}
