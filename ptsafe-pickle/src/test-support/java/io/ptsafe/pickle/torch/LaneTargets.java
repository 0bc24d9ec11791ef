package io.ptsafe.pickle.torch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Real checkpoints as templates for other state-dict pickles: the pickle of a zip's data.pkl or of a
 * legacy stream's object, taken out, and the file rebuilt around any bytes put in its place. Used by
 * {@code StateDictLaneMutationTest} (ptsafe-pickle) and {@code StateDictLaneFuzzTest} (ptsafe-fuzz).
 */
final class LaneTargets {
    private LaneTargets() {
    }

    /**
     * A file whose state-dict pickle is replaced: the file's bytes around it are rebuilt for each new pickle.
     *
     * @param name    the template's file name
     * @param pickle  its own state-dict pickle
     * @param rebuild the file with another pickle in its place
     */
    record Target(String name, byte[] pickle, Rebuild rebuild) {
        byte[] rebuild(byte[] other) throws IOException {
            return rebuild.apply(other);
        }
    }

    interface Rebuild {
        byte[] apply(byte[] pickle) throws IOException;
    }

    /** A zip checkpoint: its records, data.pkl replaced, written again by java.util.zip (STORED, CRCs right). */
    static Target zip(Path file) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        String pkl = null;
        try (ZipFile z = new ZipFile(file.toFile())) {
            for (ZipEntry e : z.stream().toList()) {
                entries.put(e.getName(), z.getInputStream(e).readAllBytes());
                pkl = e.getName().endsWith("/data.pkl") ? e.getName() : pkl;
            }
        }
        String dataPkl = pkl;
        byte[] pickle = entries.get(dataPkl);
        String name = file.getFileName().toString();
        return new Target(name, pickle, other -> {
            Map<String, byte[]> changed = new LinkedHashMap<>(entries);
            changed.put(dataPkl, other);
            return zipBytes(changed);
        });
    }

    /** A zip of these records, in order, STORED with right CRCs, by java.util.zip. */
    static byte[] zipBytes(Map<String, byte[]> entries) throws IOException {
        return io.ptsafe.pickle.TorchZips.bytes(entries, false);
    }

    /** A legacy stream: magic, protocol and sys_info pickles, the object pickle (mutated), and the rest. */
    static Target legacy(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        int start = 0;
        for (int k = 0; k < 3; k++) {
            start = PickleOps.walk(all, start).getLast().end();
        }
        int end = PickleOps.walk(all, start).getLast().end();
        byte[] head = Arrays.copyOfRange(all, 0, start);
        byte[] pickle = Arrays.copyOfRange(all, start, end);
        byte[] tail = Arrays.copyOfRange(all, end, all.length);
        String name = file.getFileName().toString();
        return new Target(name, pickle, other -> {
            byte[] out = new byte[head.length + other.length + tail.length];
            System.arraycopy(head, 0, out, 0, head.length);
            System.arraycopy(other, 0, out, head.length, other.length);
            System.arraycopy(tail, 0, out, head.length + other.length, tail.length);
            return out;
        });
    }
}
