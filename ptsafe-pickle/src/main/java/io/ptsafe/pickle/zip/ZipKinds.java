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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

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
        String first = new String(file.asSlice(30, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        if (!first.endsWith(".npy")) {
            return null;
        }
        String what = "a numpy .npz archive (first entry '" + ZipArchive.clip(first) + "'): ptsafe loads safetensors "
                + "and torch checkpoints, not numpy arrays";
        return new ZipKinds(ContainerKind.NUMPY, what, ScanRule.UNSUPPORTED_FORMAT, what);
    }

    /**
     * A TorchScript or torch.package archive, found by its records (as torch's readers name them,
     * ignoring ASCII case: {@link ZipArchive#records()}).
     *
     * @return the kind, or null when the zip holds neither
     */
    static ZipKinds code(ZipArchive zip) {
        Map<String, ZipEntryInfo> records = zip.records();
        String root = zip.root();
        if (records.containsKey("constants.pkl") || records.keySet().stream().anyMatch(n -> n.startsWith("code/"))) {
            return new ZipKinds(ContainerKind.TORCHSCRIPT, "a TorchScript archive (" + root + "/constants.pkl or "
                    + root + "/code/): it holds code, and ptsafe loads only data (save the state_dict with torch.save "
                    + "instead)", ScanRule.HOLDS_CODE, "a TorchScript archive (" + root + "/constants.pkl, " + root
                    + "/code/): it holds TorchScript programs, which torch.load hands to torch.jit.load; ptsafe loads "
                    + "only data (save the state_dict instead)");
        }
        boolean dotData = records.keySet().stream().anyMatch(n -> n.startsWith(".data/"));
        if (records.containsKey(".data/extern_modules") || dotData && !records.containsKey("data.pkl")) {
            return new ZipKinds(ContainerKind.TORCH_PACKAGE, "a torch.package archive (" + root + "/.data/): it "
                    + "packages code, and ptsafe loads only data", ScanRule.HOLDS_CODE, "a torch.package archive ("
                    + root + "/.data/): it packages Python code that loading it imports; ptsafe loads only data");
        }
        return null;
    }
}
