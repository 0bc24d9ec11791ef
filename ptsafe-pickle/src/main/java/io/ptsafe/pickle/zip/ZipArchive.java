package io.ptsafe.pickle.zip;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
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
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int LOCAL = 0x04034b50;
    private static final int FLAG_ENCRYPTED = 1;
    private static final int FLAG_DATA_DESCRIPTOR = 1 << 3;
    private static final int FLAG_PATCH = 1 << 5;
    private static final int FLAG_STRONG_ENCRYPTION = 1 << 6;
    private static final int FLAG_MASKED = 1 << 13;

    private final String root;
    /** What every name starts with: {@code root + "/"}, or "" for a flat zip. */
    private final int prefixLength;
    /** The hash ({@link #hash}) of the prefix in lower case, where the hash of a record's name goes on from. */
    private final int prefixHash;
    /** Every entry, folders too, in directory order. */
    private final ZipEntryInfo[] entries;
    /** Whether the entry is a file (a record), not a folder. */
    private final boolean[] isRecord;
    /** Each entry's {@link #hash} of its whole name in lower case. */
    private final int[] hashes;
    /** Open addressing on {@link #hashes}: entry index + 1, 0 for an empty cell; twice as long as needed at least. */
    private final int[] table;
    /**
     * Entry index + 1 of the record {@code data/N} by N, for each N below the number of entries spelled
     * as Python's {@code str} spells it (torch's storage keys), 0 for none; null for a flat zip.
     */
    private final int[] dataByNumber;
    /** Whether some record is under {@code code/} or {@code .data/} (ASCII case ignored), for {@link ZipKinds}. */
    private final boolean underCode;
    private final boolean underDotData;
    private Map<String, ZipEntryInfo> records;

    private ZipArchive(String root, int prefixLength, ZipEntryInfo[] entries, boolean[] isRecord, int[] hashes,
            int[] table, int[] dataByNumber, boolean underCode, boolean underDotData) {
        this.root = root;
        this.dataByNumber = dataByNumber;
        this.underCode = underCode;
        this.underDotData = underDotData;
        this.prefixLength = prefixLength;
        this.entries = entries;
        this.isRecord = isRecord;
        this.hashes = hashes;
        this.table = table;
        this.prefixHash = prefixLength == 0 ? 0 : hash(0, entries[0].name(), 0, prefixLength);
    }

    /** The single top folder, without its slash ("archive", or the file's stem for older torch). */
    String root() {
        return root;
    }

    /**
     * Files under the root by name relative to it ({@code data.pkl}, {@code data/0}), in directory
     * order, keyed in ASCII lower case: torch finds records through miniz, which compares names
     * ignoring ASCII case, so {@code DATA.PKL} is the record torch reads as {@code data.pkl}. Built on
     * first use: opening a checkpoint finds its records by name ({@link #record}) and never needs it.
     */
    Map<String, ZipEntryInfo> records() {
        if (records == null) {
            Map<String, ZipEntryInfo> m = LinkedHashMap.newLinkedHashMap(entries.length);
            for (int i = 0; i < entries.length; i++) {
                if (isRecord[i]) {
                    m.put(asciiLower(entries[i].name().substring(prefixLength)), entries[i]);
                }
            }
            records = Collections.unmodifiableMap(m);
        }
        return records;
    }

    /** The record torch would find under {@code name} (relative to the root), or null. */
    ZipEntryInfo record(String name) {
        return record(name, "");
    }

    /**
     * The record torch would find under {@code folder + key} (relative to the root), or null: the
     * name is hashed and compared in place, in ASCII lower case, without being built.
     */
    ZipEntryInfo record(String folder, String key) {
        if (dataByNumber != null && folder.equals("data/")) {
            int n = number(key, 0);
            if (n >= 0 && n < dataByNumber.length) {
                // Every record data/N with N in range is in the array: no entry there means no record.
                int slot = dataByNumber[n] - 1;
                return slot < 0 ? null : entries[slot];
            }
        }
        int h = hash(hash(prefixHash, folder, 0, folder.length()), key, 0, key.length());
        int mask = table.length - 1;
        for (int c = mix(h) & mask; ; c = (c + 1) & mask) {
            int slot = table[c] - 1;
            if (slot < 0) {
                return null;
            }
            if (hashes[slot] == h && isRecord[slot]) {
                ZipEntryInfo e = entries[slot];
                if (e.ascii() ? e.nameLength() == prefixLength + folder.length() + key.length()
                        && sameIgnoringAsciiCase(e, prefixLength, folder)
                        && sameIgnoringAsciiCase(e, prefixLength + folder.length(), key)
                        : e.name().length() == prefixLength + folder.length() + key.length()
                        && sameIgnoringAsciiCase(e.name(), prefixLength, folder)
                        && sameIgnoringAsciiCase(e.name(), prefixLength + folder.length(), key)) {
                    return e;
                }
            }
        }
    }

    /** Whether a record's name (relative to the root, in ASCII lower case) starts with {@code lowerPrefix}. */
    boolean anyRecordUnder(String lowerPrefix) {
        if (dataByNumber != null && lowerPrefix.equals("code/")) {
            return underCode;
        }
        if (dataByNumber != null && lowerPrefix.equals(".data/")) {
            return underDotData;
        }
        for (int i = 0; i < entries.length; i++) {
            String name = entries[i].name();
            if (isRecord[i] && name.length() >= prefixLength + lowerPrefix.length()
                    && sameIgnoringAsciiCase(name, prefixLength, lowerPrefix)) {
                return true;
            }
        }
        return false;
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

    /**
     * The number {@code s[from, end)} spells as Python's {@code str} of an int would (digits, no
     * leading zero, at most 9 of them), or -1.
     */
    private static int number(String s, int from) {
        int len = s.length() - from;
        if (len == 0 || len > 9 || len > 1 && s.charAt(from) == '0') {
            return -1;
        }
        int v = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }

    /** {@code h} carried on over {@code s[from, to)} in ASCII lower case (String.hashCode's polynomial). */
    static int hash(int h, String s, int from, int to) {
        for (int i = from; i < to; i++) {
            h = 31 * h + lower(s.charAt(i));
        }
        return h;
    }

    /**
     * A name hash's cell, seeded ({@link io.ptsafe.spi.SeededHash}): the names come from the file and
     * the polynomial above is easy to steer. Names with one and the same hash are bounded by
     * {@link #MAX_SAME_HASH}.
     */
    private static int mix(int h) {
        return io.ptsafe.spi.SeededHash.spread(h);
    }
    /**
     * Entries allowed to share one name hash: equal hashes are told apart by comparing the names, so
     * n of them cost n * n / 2 comparisons (String.hashCode collisions are easy to make: "Aa" and
     * "BB"). torch writes a few dozen names at most that are not data/N, and distinct decimal names of
     * one length never collide; a file with more than this many is refused as a hash-flooding pattern,
     * as dict keys are (TreeConverter.MAX_COLLISIONS).
     */
    static final int MAX_SAME_HASH = 32;

    /** Whether the ASCII name of {@code e} holds {@code part} at {@code at}, ignoring ASCII case (length checked by the caller). */
    private static boolean sameIgnoringAsciiCase(ZipEntryInfo e, int at, String part) {
        for (int i = 0; i < part.length(); i++) {
            char a = (char) e.nameByte(at + i);
            char b = part.charAt(i);
            if (a != b && lower(a) != lower(b)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the names of {@code a} and {@code b}, of one length, are the same ignoring ASCII case, byte by byte. */
    private static boolean sameBytesIgnoringAsciiCase(ZipEntryInfo a, ZipEntryInfo b) {
        for (int i = 0; i < a.nameLength(); i++) {
            byte x = a.nameByte(i);
            byte y = b.nameByte(i);
            if (x != y && lower((char) (x & 0xff)) != lower((char) (y & 0xff))) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code name} holds {@code part} at {@code at}, ignoring ASCII case (the caller checked the length). */
    private static boolean sameIgnoringAsciiCase(String name, int at, String part) {
        for (int i = 0; i < part.length(); i++) {
            char a = name.charAt(at + i);
            char b = part.charAt(i);
            if (a != b && lower(a) != lower(b)) {
                return false;
            }
        }
        return true;
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
        // cd.entries() is at most maxZipEntries, and EndOfCentralDirectory walked exactly that many records.
        ZipEntryInfo[] entries = new ZipEntryInfo[(int) cd.entries()];
        CentralEntry c = new CentralEntry();
        EntryNames names = new EntryNames();
        int[] hashes = new int[entries.length];
        EntryShapes shapes = new EntryShapes(entries.length);
        int count = 0;
        for (long p = cd.offset(); p < cd.end(); ) {
            c.read(file, p, cd.end(), path);
            if (count == entries.length) {
                throw new PtsafeException(Reason.INVALID_ZIP, path, "read " + (count + 1)
                        + " entries, the central directory holds " + cd.entries());
            }
            entries[count] = entry(c, path, file, names);
            hashes[count] = names.hash();
            shapes.note(count, names.bytes(), 0, c.nameLength(), names.firstSlash(), names.plain());
            count++;
            p = c.next();
        }
        if (count != cd.entries()) {
            throw new PtsafeException(Reason.INVALID_ZIP, path, "read " + count
                    + " entries, the central directory holds " + cd.entries());
        }
        checkExtents(entries, cd, path, file.byteSize());
        return layout(entries, hashes, shapes, path, rooted);
    }

    /** The entry of the record {@code e} holds, checked; {@code names} reads its name. */
    private static ZipEntryInfo entry(CentralEntry e, Path path, MemorySegment file, EntryNames names)
            throws PtsafeException {
        // The name's text: null while it is ASCII (its bytes in the mapping are its chars).
        String decoded = names.read(file, e.nameOffset(), e.nameLength(), path);
        // The place of a refusal, "entry 'NAME'", is spelled only when refusing (where(file, e, decoded)).
        int flags = e.flags();
        // miniz_zip.c 2.1.0: bit 13 (masked local headers) refuses the whole archive in
        // mz_zip_reader_read_central_dir (line 828); bits 0 and 6 (encryption) and 5 (patch data) refuse
        // the entry when mz_zip_reader_extract_to_mem_no_alloc reads it (line 1451). ptsafe refuses them
        // wherever they are, read or not.
        if ((flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED)) != 0) {
            throw new PtsafeException(Reason.ENCRYPTED_ENTRY, path, where(file, e, decoded) + " is encrypted (general purpose flags 0x"
                    + Integer.toHexString(flags) + ": bit 0 encrypted, 6 strong encryption, 13 masked headers)");
        }
        if ((flags & FLAG_PATCH) != 0) {
            throw new PtsafeException(Reason.UNSUPPORTED_ZIP_FEATURE, path, where(file, e, decoded) + " is patch data (general purpose "
                    + "flag bit 5), which torch's zip reader refuses to read");
        }
        // Lines 817-819: miniz refuses an entry on a disk other than the end record's (or 1).
        if (e.diskStart() != 0) {
            throw new PtsafeException(Reason.MULTI_DISK_ZIP, path, where(file, e, decoded) + " starts on disk " + e.diskStart());
        }
        int method = e.method();
        if (method != ZipEntryInfo.STORED && method != ZipEntryInfo.DEFLATED) {
            throw new PtsafeException(Reason.UNSUPPORTED_COMPRESSION, path, where(file, e, decoded) + " uses compression method " + method
                    + " (only STORED and DEFLATED)");
        }
        long lho = e.localHeaderOffset();
        long size = file.byteSize();
        if (lho < 0 || lho > size - 30) {
            throw new PtsafeException(Reason.ENTRY_OVERLAP, path, where(file, e, decoded) + ": local header at " + lho
                    + " is past the end of the file (" + size + " bytes)");
        }
        // The 30 bytes of the local header in four reads of the mapping (each read of a MemorySegment
        // checks bounds and liveness): bytes 0-7 (signature, version, flags), 8-15 (method, ...),
        // 18-25 (the two sizes), 26-29 (the name and extra lengths).
        long head = file.get(U64, lho);
        if ((int) head != LOCAL) {
            throw new PtsafeException(Reason.INVALID_ZIP, path, where(file, e, decoded) + ": no local header signature at offset " + lho);
        }
        int localFlags = (int) (head >>> 48);
        if ((localFlags & 1) != 0) {
            throw new PtsafeException(Reason.ENCRYPTED_ENTRY, path, where(file, e, decoded) + ": its local header says encrypted");
        }
        checkLocal(file, path, decoded, e, lho, localFlags);
        int lengths = file.get(U32, lho + 26);
        int n = lengths & 0xffff;
        int m = lengths >>> 16;
        long dataOffset = lho + 30 + n + m;
        if (dataOffset > size) {
            throw new PtsafeException(Reason.ENTRY_OVERLAP, path, where(file, e, decoded) + ": local header at " + lho
                    + " runs past the end of the file");
        }
        if (!names.sameAs(file, lho + 30, n)) {
            byte[] localName = new byte[n];
            MemorySegment.copy(file, ValueLayout.JAVA_BYTE, lho + 30, localName, 0, n);
            throw new PtsafeException(Reason.INVALID_ZIP, path, where(file, e, decoded) + ": the local header at " + lho
                    + " names '" + new String(localName, StandardCharsets.UTF_8) + "'");
        }
        long csize = e.compressedSize();
        long usize = e.size();
        if (csize < 0 || usize < 0) {
            throw new PtsafeException(Reason.INVALID_ZIP, path, where(file, e, decoded) + ": sizes unknown or negative");
        }
        // Line 813: miniz refuses a record with data but no compressed bytes.
        if (usize != 0 && csize == 0) {
            throw new PtsafeException(Reason.INVALID_ZIP, path, where(file, e, decoded) + " declares " + usize
                    + " bytes from 0 compressed bytes");
        }
        if (method == ZipEntryInfo.STORED && csize != usize) {
            throw new PtsafeException(Reason.INVALID_ZIP, path, where(file, e, decoded) + " is STORED but its sizes differ ("
                    + csize + " stored, " + usize + " declared)");
        }
        if (csize > size - dataOffset) {
            throw new PtsafeException(Reason.ENTRY_OVERLAP, path, where(file, e, decoded) + ": " + csize + " bytes of data at offset "
                    + dataOffset + " run past the end of the file (" + size + " bytes)");
        }
        return new ZipEntryInfo(file, e.nameOffset(), e.nameLength(), decoded, lho, dataOffset, csize, usize, method, e.crc());
    }

    /**
     * miniz reads only the local header's signature and its name and extra lengths (to find the data,
     * mz_zip_reader_extract_to_mem_no_alloc lines 1468-1471); method, flags and sizes come from the
     * central directory. Streaming readers use the local copies, so they must agree: the same method
     * and flags, and sizes equal to the central ones, or 0 under a data descriptor (bit 3, which torch
     * 1.13 sets, writing zeros), or 0xFFFFFFFF (a local ZIP64 field, not read by miniz or ptsafe). The
     * CRC selects no bytes and is left to {@link LoadOptions#crcPolicy()}.
     */
    private static void checkLocal(MemorySegment file, Path path, String decoded, CentralEntry e, long lho, int flags)
            throws PtsafeException {
        int method = file.get(U16, lho + 8) & 0xffff;
        if (flags != e.flags() || method != e.method()) {
            throw new PtsafeException(Reason.LOCAL_HEADER_MISMATCH, path, where(file, e, decoded) + ": the local header at " + lho
                    + " says method " + method + ", flags 0x" + Integer.toHexString(flags)
                    + "; the central directory says method " + e.method() + ", flags 0x" + Integer.toHexString(e.flags()));
        }
        boolean descriptor = (flags & FLAG_DATA_DESCRIPTOR) != 0;
        long sizes = file.get(U64, lho + 18);
        long csize = sizes & 0xffffffffL;
        long usize = sizes >>> 32;
        if (!localAgrees(csize, e.rawCompressed(), e.compressedSize(), descriptor, true)
                || !localAgrees(usize, e.rawSize(), e.size(), descriptor, true)) {
            throw new PtsafeException(Reason.LOCAL_HEADER_MISMATCH, path, where(file, e, decoded) + ": the local header at " + lho
                    + " says " + csize + " bytes compressed, " + usize + " bytes; the central directory says "
                    + e.compressedSize() + " and " + e.size() + (descriptor ? " (a data descriptor allows zeros)" : ""));
        }
    }

    /** "entry 'NAME'", the place of a refusal about the entry {@code e} is reading (spelled only when refusing). */
    private static String where(MemorySegment file, CentralEntry e, String decoded) {
        return "entry '" + (decoded != null ? decoded : ZipEntryInfo.text(file, e.nameOffset(), e.nameLength())) + "'";
    }

    private static boolean localAgrees(long local, long raw, long resolved, boolean descriptor, boolean zip64) {
        return local == raw || local == resolved || descriptor && local == 0 || zip64 && local == 0xffffffffL;
    }

    /**
     * No entry's header or data may reach into the next entry, or into the central directory. Taken
     * in the order of the local headers; torch.save writes the directory in that order, so the copy
     * and sort are made only for a zip that does not.
     */
    private static void checkExtents(ZipEntryInfo[] entries, EndOfCentralDirectory cd, Path path, long size)
            throws PtsafeException {
        ZipEntryInfo[] sorted = entries;
        for (int i = 1; i < entries.length; i++) {
            if (entries[i].headerOffset() < entries[i - 1].headerOffset()) {
                // Stable, as List.sort was: entries at one offset stay in directory order.
                sorted = entries.clone();
                Arrays.sort(sorted, Comparator.comparingLong(ZipEntryInfo::headerOffset));
                break;
            }
        }
        for (int i = 0; i < sorted.length; i++) {
            ZipEntryInfo a = sorted[i];
            long limit = i + 1 < sorted.length ? sorted[i + 1].headerOffset() : cd.offset();
            if (a.dataEnd() > limit) {
                String next = i + 1 < sorted.length ? "entry '" + sorted[i + 1].name() + "'" : "the central directory";
                throw new PtsafeException(Reason.ENTRY_OVERLAP, path, "entry '" + a.name() + "' (bytes "
                        + a.headerOffset() + " to " + a.dataEnd() + ") overlaps " + next + " at offset " + limit);
            }
        }
    }

    /**
     * Names: safe, unique, all under one root folder when {@code rooted}. Unique is checked on the
     * whole name in ASCII lower case, before the root, through one open-addressed table of entry
     * indexes that {@link #record} then searches: no lower-case copy of a name, no map node.
     */
    private static ZipArchive layout(ZipEntryInfo[] entries, int[] hashes, EntryShapes shapes, Path path,
            boolean rooted) throws PtsafeException {
        String root = null;
        int n = entries.length;
        boolean[] isRecord = new boolean[n];
        int[] dataByNumber = rooted ? new int[n] : null;
        boolean underCode = false;
        boolean underDotData = false;
        int[] table = new int[Math.max(4, Integer.highestOneBit(Math.max(1, n)) << 2)];
        int mask = table.length - 1;
        for (int i = 0; i < n; i++) {
            ZipEntryInfo e = entries[i];
            int length = e.nameLength();
            int h = hashes[i];
            int c = mix(h) & mask;
            int sameHash = 0;
            for (int slot; (slot = table[c] - 1) >= 0; c = (c + 1) & mask) {
                if (hashes[slot] != h) {
                    continue;
                }
                ZipEntryInfo other = entries[slot];
                // Compared byte by byte: in valid UTF-8, ASCII bytes are ASCII characters and nothing else.
                if (other.nameLength() == length && sameBytesIgnoringAsciiCase(other, e)) {
                    throw new PtsafeException(Reason.DUPLICATE_ENTRY, path, "two entries named '" + clip(e.name())
                            + "' (names are compared ignoring ASCII case, as torch's zip reader finds them)");
                }
                if (++sameHash >= MAX_SAME_HASH) {
                    throw new PtsafeException(Reason.INVALID_ZIP, path, "entry '" + clip(e.name()) + "': "
                            + (sameHash + 1) + " entry names share the hash code " + h + " (at most " + MAX_SAME_HASH
                            + " may share one; more is a hash-flooding pattern, which torch never writes)");
                }
            }
            table[c] = i + 1;
            String unsafe = shapes.plain(i) ? null : unsafe(e.name());
            if (unsafe != null) {
                throw new PtsafeException(Reason.ENTRY_OUTSIDE_ROOT, path, "entry '" + clip(e.name()) + "': " + unsafe);
            }
            // Not empty here (refused as unsafe).
            boolean folder = shapes.folder(i);
            if (!rooted) {
                if (folder && e.size() != 0) {
                    throw new PtsafeException(Reason.INVALID_ZIP, path, "folder entry '" + clip(e.name()) + "' has data");
                }
                isRecord[i] = !folder;
                root = "";
                continue;
            }
            // The top folder is cut out of the first name once; the others were compared with it as bytes
            // when read (EntryShapes: UTF-8 keeps the order and identity of characters, and '/' is one byte).
            if (root == null) {
                String name = e.name();
                int charSlash = name.indexOf('/');
                root = name.substring(0, charSlash < 0 ? name.length() : charSlash);
            } else if (!shapes.inFirstTop(i)) {
                throw new PtsafeException(Reason.ENTRY_OUTSIDE_ROOT, path, "entry '" + clip(e.name())
                        + "' is outside the root folder '" + root + "/' (a torch archive has exactly one)");
            }
            if (!shapes.hasSlash(i)) {
                throw new PtsafeException(Reason.ENTRY_OUTSIDE_ROOT, path, "entry '" + clip(e.name())
                        + "' is a file at the top level, not inside a root folder");
            }
            if (folder && e.size() != 0) {
                throw new PtsafeException(Reason.INVALID_ZIP, path, "folder entry '" + clip(e.name()) + "' has data");
            }
            isRecord[i] = !folder;
            if (!folder) {
                // What the lookups and ZipKinds ask of every open, noted by EntryShapes while the name was at hand.
                int under = shapes.under(i);
                if (under >= 0) {
                    if (under < n) {
                        dataByNumber[under] = i + 1;
                    }
                } else if (under == EntryShapes.CODE) {
                    underCode = true;
                } else if (under == EntryShapes.DOT_DATA) {
                    underDotData = true;
                }
            }
        }
        if (root == null) {
            throw new PtsafeException(rooted ? Reason.NOT_A_CHECKPOINT : Reason.INVALID_ZIP, path, "an empty zip archive");
        }
        return new ZipArchive(root, root.isEmpty() ? 0 : root.length() + 1, entries, isRecord, hashes, table,
                dataByNumber, underCode, underDotData);
    }

    /** Why a name is unsafe, or null: absolute, backslashes, NUL or control characters, empty, "." or ".." segments. */
    static String unsafe(String name) {
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
