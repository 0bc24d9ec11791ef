package io.ptsafe.pickle.zip;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.pickle.machine.Texts;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The entries of a zip file, read from the central directory in the mapping ({@link CentralEntry})
 * and checked against the mapped bytes: every entry's local header, its data extent, and its name.
 *
 * <p>Refused: a file not starting with a local header (a polyglot); more entries than
 * {@link LoadOptions#maxZipEntries()}; an unsafe name, or one outside the single root folder
 * ({@link Reason#ENTRY_OUTSIDE_ROOT}); two entries of one name, ignoring ASCII case
 * ({@link Reason#DUPLICATE_ENTRY});
 * encryption ({@link Reason#ENCRYPTED_ENTRY}); a method other than STORED and DEFLATED; a local
 * header whose signature or name disagrees with the central directory ({@link Reason#INVALID_ZIP}), or
 * whose method, flags or sizes do ({@link Reason#LOCAL_HEADER_MISMATCH}); patch data
 * ({@link Reason#UNSUPPORTED_ZIP_FEATURE}); an entry on another disk ({@link Reason#MULTI_DISK_ZIP});
 * entry data running past the file, into the central directory, or into another entry
 * ({@link Reason#ENTRY_OVERLAP}).
 */
final class ZipArchive {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int LOCAL = 0x04034b50;
    private static final int FLAG_ENCRYPTED = 1;
    private static final int FLAG_DATA_DESCRIPTOR = 1 << 3;
    private static final int FLAG_PATCH = 1 << 5;
    private static final int FLAG_STRONG_ENCRYPTION = 1 << 6;
    private static final int FLAG_MASKED = 1 << 13;

    private final String root;
    private final Map<String, ZipEntryInfo> records;

    private ZipArchive(String root, Map<String, ZipEntryInfo> records) {
        this.root = root;
        this.records = records;
    }

    /** The single top folder, without its slash ("archive", or the file's stem for older torch). */
    String root() {
        return root;
    }

    /**
     * Files under the root by name relative to it ({@code data.pkl}, {@code data/0}), in directory
     * order, keyed in ASCII lower case: torch finds records through miniz, which compares names
     * ignoring ASCII case, so {@code DATA.PKL} is the record torch reads as {@code data.pkl}.
     */
    Map<String, ZipEntryInfo> records() {
        return records;
    }

    /** The record torch would find under {@code name} (relative to the root), or null. */
    ZipEntryInfo record(String name) {
        return records.get(asciiLower(name));
    }

    static String asciiLower(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                if (sb == null) {
                    sb = new StringBuilder(s);
                }
                sb.setCharAt(i, (char) (c + 32));
            }
        }
        return sb == null ? s : sb.toString();
    }

    static ZipArchive read(Path path, MemorySegment file, LoadOptions options) throws PtsafeException {
        return read(path, file, options, true);
    }

    /**
     * The entries of a zip whose files sit at the top level, as {@code np.savez} writes them: the
     * same checks as {@link #read(Path, MemorySegment, LoadOptions)} but the single root folder;
     * {@link #root()} is "" and {@link #records()} are keyed by the whole name.
     */
    static ZipArchive readFlat(Path path, MemorySegment file, LoadOptions options) throws PtsafeException {
        return read(path, file, options, false);
    }

    private static ZipArchive read(Path path, MemorySegment file, LoadOptions options, boolean rooted)
            throws PtsafeException {
        if (file.byteSize() < 4 || file.get(U32, 0) != LOCAL) {
            throw new PtsafeException(Reason.INVALID_ZIP, path, "the file does not start with a zip local header");
        }
        EndOfCentralDirectory cd = EndOfCentralDirectory.read(file, path, options);
        List<ZipEntryInfo> entries = new ArrayList<>((int) cd.entries());
        for (long p = cd.offset(); p < cd.end(); ) {
            CentralEntry c = CentralEntry.read(file, p, cd.end(), path);
            entries.add(entry(c, path, file));
            p = c.next();
        }
        if (entries.size() != cd.entries()) {
            throw new PtsafeException(Reason.INVALID_ZIP, path, "read " + entries.size()
                    + " entries, the central directory holds " + cd.entries());
        }
        checkExtents(entries, cd, path, file.byteSize());
        return layout(entries, path, rooted);
    }

    private static ZipEntryInfo entry(CentralEntry e, Path path, MemorySegment file) throws PtsafeException {
        byte[] raw = e.rawName();
        String name;
        try {
            name = Texts.utf8(raw);
        } catch (IllegalArgumentException x) {
            throw new PtsafeException(Reason.ENTRY_OUTSIDE_ROOT, path, "entry name is not UTF-8: "
                    + java.util.HexFormat.of().formatHex(raw, 0, Math.min(raw.length, 64)));
        }
        // The place of a refusal, "entry 'NAME'", is spelled only when refusing (where(name)).
        int flags = e.flags();
        // miniz_zip.c 2.1.0: bit 13 (masked local headers) refuses the whole archive in
        // mz_zip_reader_read_central_dir (line 828); bits 0 and 6 (encryption) and 5 (patch data) refuse
        // the entry when mz_zip_reader_extract_to_mem_no_alloc reads it (line 1451). ptsafe refuses them
        // wherever they are, read or not.
        if ((flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED)) != 0) {
            throw new PtsafeException(Reason.ENCRYPTED_ENTRY, path, where(name) + " is encrypted (general purpose flags 0x"
                    + Integer.toHexString(flags) + ": bit 0 encrypted, 6 strong encryption, 13 masked headers)");
        }
        if ((flags & FLAG_PATCH) != 0) {
            throw new PtsafeException(Reason.UNSUPPORTED_ZIP_FEATURE, path, where(name) + " is patch data (general purpose "
                    + "flag bit 5), which torch's zip reader refuses to read");
        }
        // Lines 817-819: miniz refuses an entry on a disk other than the end record's (or 1).
        if (e.diskStart() != 0) {
            throw new PtsafeException(Reason.MULTI_DISK_ZIP, path, where(name) + " starts on disk " + e.diskStart());
        }
        int method = e.method();
        if (method != ZipEntryInfo.STORED && method != ZipEntryInfo.DEFLATED) {
            throw new PtsafeException(Reason.UNSUPPORTED_COMPRESSION, path, where(name) + " uses compression method " + method
                    + " (only STORED and DEFLATED)");
        }
        long lho = e.localHeaderOffset();
        long size = file.byteSize();
        if (lho < 0 || lho > size - 30) {
            throw new PtsafeException(Reason.ENTRY_OVERLAP, path, where(name) + ": local header at " + lho
                    + " is past the end of the file (" + size + " bytes)");
        }
        if (file.get(U32, lho) != LOCAL) {
            throw new PtsafeException(Reason.INVALID_ZIP, path, where(name) + ": no local header signature at offset " + lho);
        }
        if ((file.get(U16, lho + 6) & 1) != 0) {
            throw new PtsafeException(Reason.ENCRYPTED_ENTRY, path, where(name) + ": its local header says encrypted");
        }
        checkLocal(file, path, name, e, lho);
        int n = file.get(U16, lho + 26) & 0xffff;
        int m = file.get(U16, lho + 28) & 0xffff;
        long dataOffset = lho + 30 + n + m;
        if (dataOffset > size) {
            throw new PtsafeException(Reason.ENTRY_OVERLAP, path, where(name) + ": local header at " + lho
                    + " runs past the end of the file");
        }
        if (!sameName(file, lho + 30, n, raw)) {
            byte[] localName = new byte[n];
            MemorySegment.copy(file, ValueLayout.JAVA_BYTE, lho + 30, localName, 0, n);
            throw new PtsafeException(Reason.INVALID_ZIP, path, where(name) + ": the local header at " + lho
                    + " names '" + new String(localName, StandardCharsets.UTF_8) + "'");
        }
        long csize = e.compressedSize();
        long usize = e.size();
        if (csize < 0 || usize < 0) {
            throw new PtsafeException(Reason.INVALID_ZIP, path, where(name) + ": sizes unknown or negative");
        }
        // Line 813: miniz refuses a record with data but no compressed bytes.
        if (usize != 0 && csize == 0) {
            throw new PtsafeException(Reason.INVALID_ZIP, path, where(name) + " declares " + usize
                    + " bytes from 0 compressed bytes");
        }
        if (method == ZipEntryInfo.STORED && csize != usize) {
            throw new PtsafeException(Reason.INVALID_ZIP, path, where(name) + " is STORED but its sizes differ ("
                    + csize + " stored, " + usize + " declared)");
        }
        if (csize > size - dataOffset) {
            throw new PtsafeException(Reason.ENTRY_OVERLAP, path, where(name) + ": " + csize + " bytes of data at offset "
                    + dataOffset + " run past the end of the file (" + size + " bytes)");
        }
        return new ZipEntryInfo(name, lho, dataOffset, csize, usize, method, e.crc());
    }

    /**
     * miniz reads only the local header's signature and its name and extra lengths (to find the data,
     * mz_zip_reader_extract_to_mem_no_alloc lines 1468-1471); method, flags and sizes come from the
     * central directory. Streaming readers use the local copies, so they must agree: the same method
     * and flags, and sizes equal to the central ones, or 0 under a data descriptor (bit 3, which torch
     * 1.13 sets, writing zeros), or 0xFFFFFFFF (a local ZIP64 field, not read by miniz or ptsafe). The
     * CRC selects no bytes and is left to {@link LoadOptions#crcPolicy()}.
     */
    private static void checkLocal(MemorySegment file, Path path, String name, CentralEntry e, long lho)
            throws PtsafeException {
        int flags = file.get(U16, lho + 6) & 0xffff;
        int method = file.get(U16, lho + 8) & 0xffff;
        if (flags != e.flags() || method != e.method()) {
            throw new PtsafeException(Reason.LOCAL_HEADER_MISMATCH, path, where(name) + ": the local header at " + lho
                    + " says method " + method + ", flags 0x" + Integer.toHexString(flags)
                    + "; the central directory says method " + e.method() + ", flags 0x" + Integer.toHexString(e.flags()));
        }
        boolean descriptor = (flags & FLAG_DATA_DESCRIPTOR) != 0;
        long csize = file.get(U32, lho + 18) & 0xffffffffL;
        long usize = file.get(U32, lho + 22) & 0xffffffffL;
        if (!localAgrees(csize, e.rawCompressed(), e.compressedSize(), descriptor, true)
                || !localAgrees(usize, e.rawSize(), e.size(), descriptor, true)) {
            throw new PtsafeException(Reason.LOCAL_HEADER_MISMATCH, path, where(name) + ": the local header at " + lho
                    + " says " + csize + " bytes compressed, " + usize + " bytes; the central directory says "
                    + e.compressedSize() + " and " + e.size() + (descriptor ? " (a data descriptor allows zeros)" : ""));
        }
    }

    /** "entry 'NAME'", the place of a refusal about one entry. */
    private static String where(String name) {
        return "entry '" + name + "'";
    }

    /** Whether the {@code n} bytes at {@code at} are the central directory's name {@code raw} (no copy). */
    private static boolean sameName(MemorySegment file, long at, int n, byte[] raw) {
        return n == raw.length && MemorySegment.mismatch(file, at, at + n, MemorySegment.ofArray(raw), 0, n) == -1;
    }

    private static boolean localAgrees(long local, long raw, long resolved, boolean descriptor, boolean zip64) {
        return local == raw || local == resolved || descriptor && local == 0 || zip64 && local == 0xffffffffL;
    }

    /** No entry's header or data may reach into the next entry, or into the central directory. */
    private static void checkExtents(List<ZipEntryInfo> entries, EndOfCentralDirectory cd, Path path, long size)
            throws PtsafeException {
        List<ZipEntryInfo> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(ZipEntryInfo::headerOffset));
        for (int i = 0; i < sorted.size(); i++) {
            ZipEntryInfo a = sorted.get(i);
            long limit = i + 1 < sorted.size() ? sorted.get(i + 1).headerOffset() : cd.offset();
            if (a.dataEnd() > limit) {
                String next = i + 1 < sorted.size() ? "entry '" + sorted.get(i + 1).name() + "'" : "the central directory";
                throw new PtsafeException(Reason.ENTRY_OVERLAP, path, "entry '" + a.name() + "' (bytes "
                        + a.headerOffset() + " to " + a.dataEnd() + ") overlaps " + next + " at offset " + limit);
            }
        }
    }

    /** Names: safe, unique, all under one root folder when {@code rooted}. */
    private static ZipArchive layout(List<ZipEntryInfo> entries, Path path, boolean rooted) throws PtsafeException {
        String root = null;
        Map<String, ZipEntryInfo> records = LinkedHashMap.newLinkedHashMap(entries.size());
        java.util.Set<String> seen = java.util.HashSet.newHashSet(entries.size());
        for (ZipEntryInfo e : entries) {
            String name = e.name();
            String lower = asciiLower(name);
            if (!seen.add(lower)) {
                throw new PtsafeException(Reason.DUPLICATE_ENTRY, path, "two entries named '" + clip(name)
                        + "' (names are compared ignoring ASCII case, as torch's zip reader finds them)");
            }
            String unsafe = unsafe(name);
            if (unsafe != null) {
                throw new PtsafeException(Reason.ENTRY_OUTSIDE_ROOT, path, "entry '" + clip(name) + "': " + unsafe);
            }
            if (!rooted) {
                if (!name.endsWith("/")) {
                    records.put(lower, e);
                } else if (e.size() != 0) {
                    throw new PtsafeException(Reason.INVALID_ZIP, path, "folder entry '" + clip(name) + "' has data");
                }
                root = "";
                continue;
            }
            int slash = name.indexOf('/');
            // The top folder is cut out of the name once, for the first entry; the others are compared in place.
            int topLength = slash < 0 ? name.length() : slash;
            if (root == null) {
                root = name.substring(0, topLength);
            } else if (topLength != root.length() || !name.startsWith(root)) {
                throw new PtsafeException(Reason.ENTRY_OUTSIDE_ROOT, path, "entry '" + clip(name)
                        + "' is outside the root folder '" + root + "/' (a torch archive has exactly one)");
            }
            if (slash < 0) {
                throw new PtsafeException(Reason.ENTRY_OUTSIDE_ROOT, path, "entry '" + clip(name)
                        + "' is a file at the top level, not inside a root folder");
            }
            if (name.endsWith("/")) {
                if (e.size() != 0) {
                    throw new PtsafeException(Reason.INVALID_ZIP, path, "folder entry '" + clip(name) + "' has data");
                }
                continue;
            }
            records.put(lower.substring(slash + 1), e);
        }
        if (root == null) {
            throw new PtsafeException(rooted ? Reason.NOT_A_CHECKPOINT : Reason.INVALID_ZIP, path, "an empty zip archive");
        }
        return new ZipArchive(root, Collections.unmodifiableMap(records));
    }

    /** Why a name is unsafe, or null: absolute, backslashes, NUL or control characters, empty, "." or ".." segments. */
    private static String unsafe(String name) {
        if (name.isEmpty()) {
            return "empty name";
        }
        if (name.startsWith("/")) {
            return "absolute name";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '\\') {
                return "backslash in name";
            }
            if (c < 0x20 || c == 0x7f) {
                return "control character in name";
            }
        }
        int end = name.endsWith("/") ? name.length() - 1 : name.length();
        for (int start = 0; start <= end; ) {
            int slash = name.indexOf('/', start);
            int segEnd = slash < 0 || slash > end ? end : slash;
            int n = segEnd - start;
            if (n == 0 || (n <= 2 && name.startsWith("..".substring(0, n), start))) {
                return "'" + name.substring(start, segEnd) + "' segment in name";
            }
            start = segEnd + 1;
        }
        return null;
    }

    static String clip(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
