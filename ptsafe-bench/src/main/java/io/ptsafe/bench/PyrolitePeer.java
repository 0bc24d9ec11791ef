package io.ptsafe.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Unpickler;

/**
 * Pyrolite (net.razorvine:pickle) as a peer: unpickles a torch zip's {@code data.pkl} with the
 * smallest set of constructors that lets it build a state dict. It is not ptsafe code and does none of
 * ptsafe's checks (no storage lookup, no bounds, no limits): it measures bare pickle parsing.
 */
final class PyrolitePeer {
    /** What {@code _rebuild_tensor_v2} becomes here: its arguments, unvalidated. */
    record TensorRef(Object storage, Object offset, Object size, Object stride) {
    }

    static {
        IObjectConstructor orderedDict = args -> new LinkedHashMap<>();
        Unpickler.registerConstructor("collections", "OrderedDict", orderedDict);
        Unpickler.registerConstructor("torch._utils", "_rebuild_tensor_v2",
                args -> new TensorRef(args[0], args[1], args[2], args[3]));
    }

    private PyrolitePeer() {
    }

    /** The bytes of the zip entry ending in {@code /data.pkl}. */
    static byte[] dataPkl(Path torchZip) throws IOException {
        try (ZipFile zip = new ZipFile(torchZip.toFile())) {
            ZipEntry e = zip.stream().filter(z -> z.getName().endsWith("/data.pkl")).findFirst()
                    .orElseThrow(() -> new IOException(torchZip + " has no data.pkl"));
            try (InputStream in = zip.getInputStream(e)) {
                return in.readAllBytes();
            }
        }
    }

    /** Unpickles {@code pkl} and returns the number of entries of the top-level dict. */
    static int load(byte[] pkl) throws IOException {
        Unpickler u = new Unpickler() {
            @Override
            protected Object persistentLoad(Object pid) {
                return pid; // ('storage', type, key, location, numel), kept as Pyrolite built it
            }
        };
        try {
            return ((Map<?, ?>) u.loads(pkl)).size();
        } finally {
            u.close();
        }
    }
}
