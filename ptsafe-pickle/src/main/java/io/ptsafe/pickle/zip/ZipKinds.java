package io.ptsafe.pickle.zip;

import io.ptsafe.ContainerKind;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.scan.ScanFinding.Location;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import io.ptsafe.spi.FileProbe;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The zips that are no torch.save checkpoint though they may look like one, recognised here once
 * for both open and scan: a numpy {@code .npz} (a {@code .npy} first entry), a
 * TorchScript archive ({@code constants.pkl} or a {@code code/} folder) and a torch.package archive
 * ({@code .data/extern_modules}, or a {@code .data/} layout without {@code data.pkl}). An npz is
 * read by {@link NpzReader}; opening refuses the others with {@link Reason#UNSUPPORTED_FORMAT}, and a
 * scan reports their container and finding.
 *
 * @param kind        what the zip is
 * @param load        the refusal's message, for open
 * @param rule        the scan finding's rule
 * @param scanMessage the scan finding's message
 */
record ZipKinds(ContainerKind kind, String load, ScanRule rule, String scanMessage) {
    /** ".npy" read as a little-endian int. */
    private static final int NPY = '.' | 'n' << 8 | 'p' << 16 | 'y' << 24;

    /** The refusal of {@link TorchZipReader#open}. */
    PtsafeException refusal(Path path) {
        return new PtsafeException(Reason.UNSUPPORTED_FORMAT, path, load);
    }

    /** Records the container and finding of a scan. */
    void report(ScanReport.Builder report) {
        report.container(kind).add(rule, Location.FILE, scanMessage);
    }

    /**
     * A numpy {@code .npz}: the name in the zip's first local header (within the first
     * {@value FileProbe#HEAD_BYTES} bytes, what a probe holds) is a {@code .npy} file, at the top
     * level or in a folder ({@code np.savez(f, **{"layer1/w": a})} writes {@code layer1/w.npy}).
     * {@code torch.save} writes {@code data.pkl} first, never a {@code .npy}; a zip crafted to be both
     * is read as an npz, whose other members are then refused.
     *
     * @return the kind, or null when the file is no npz
     */
    static ZipKinds npz(MemorySegment file) {
        long head = Math.min(file.byteSize(), FileProbe.HEAD_BYTES);
        if (head < 30) {
            return null;
        }
        int n = file.get(ValueLayout.JAVA_BYTE, 26) & 0xff | (file.get(ValueLayout.JAVA_BYTE, 27) & 0xff) << 8;
        if (30 + n > head) {
            return null;
        }
        // The decoded name ends with ".npy" exactly when its bytes do (ASCII bytes decode alone, even
        // after malformed ones): a torch zip is told apart without decoding its first name.
        if (n < 4 || file.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 30 + n - 4) != NPY) {
            return null;
        }
        byte[] name = new byte[n];
        MemorySegment.copy(file, ValueLayout.JAVA_BYTE, 30, name, 0, n);
        String first = new String(name, StandardCharsets.UTF_8);
        String what = "a numpy .npz archive (first entry '" + ZipArchive.clip(first) + "'): ptsafe loads safetensors "
                + "and torch checkpoints, not numpy arrays";
        return new ZipKinds(ContainerKind.NUMPY, what, ScanRule.UNSUPPORTED_FORMAT, what);
    }

    /**
     * A TorchScript or torch.package archive, found by its records (as torch's readers name them,
     * ignoring ASCII case: {@link ZipArchive#record}).
     *
     * @return the kind, or null when the zip holds neither
     */
    static ZipKinds code(ZipArchive zip) {
        String root = zip.root();
        if (zip.record("constants.pkl") != null || zip.anyRecordUnder("code/")) {
            return new ZipKinds(ContainerKind.TORCHSCRIPT, "a TorchScript archive (" + root + "/constants.pkl or "
                    + root + "/code/): it holds code, and ptsafe loads only data (save the state_dict with torch.save "
                    + "instead)", ScanRule.HOLDS_CODE, "a TorchScript archive (" + root + "/constants.pkl, " + root
                    + "/code/): it holds TorchScript programs, which torch.load hands to torch.jit.load; ptsafe loads "
                    + "only data (save the state_dict instead)");
        }
        if (zip.record(".data/extern_modules") != null || zip.anyRecordUnder(".data/") && zip.record("data.pkl") == null) {
            return new ZipKinds(ContainerKind.TORCH_PACKAGE, "a torch.package archive (" + root + "/.data/): it "
                    + "packages code, and ptsafe loads only data", ScanRule.HOLDS_CODE, "a torch.package archive ("
                    + root + "/.data/): it packages Python code that loading it imports; ptsafe loads only data");
        }
        return null;
    }
}
