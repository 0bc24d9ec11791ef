package io.ptsafe;

import io.ptsafe.scan.ScanRule;

/**
 * Why ptsafe refused a file: one value per rule, so callers and tests can tell refusals apart
 * without parsing messages. Grouped by where the rule lives. Each reason names the
 * {@linkplain #rule() scan rule} a scan reports it under, so no reason is without one.
 */
public enum Reason {
    // --- any file -------------------------------------------------------------------------------
    /** The file's bytes match no format any installed provider reads. */
    UNKNOWN_FORMAT(ScanRule.UNKNOWN_FORMAT),
    /** A format ptsafe recognises but deliberately does not load (TorchScript, torch.package, tar). */
    UNSUPPORTED_FORMAT(ScanRule.UNSUPPORTED_FORMAT),
    /** The file could not be opened, read or mapped. */
    IO_ERROR(ScanRule.IO_ERROR),
    /**
     * The file changed or vanished while mapped (the JVM reported a fault on mapped memory). While
     * opening, a refusal; while reading tensor bytes, the cause of an {@link java.io.UncheckedIOException}.
     */
    FILE_CHANGED(ScanRule.IO_ERROR),
    /** The number of tensors is over {@link LoadOptions#maxTensors()}. */
    TOO_MANY_TENSORS(ScanRule.TOO_MANY_TENSORS),
    /** A tensor has more dimensions than {@link LoadOptions#maxRank()}. */
    TOO_MANY_DIMENSIONS(ScanRule.TOO_MANY_DIMENSIONS),
    /** A tensor's element count or byte size overflows 64-bit arithmetic. */
    VALIDATION_OVERFLOW(ScanRule.VALIDATION_OVERFLOW),

    // --- safetensors (names follow the reference's SafeTensorError) ------------------------------
    /** File shorter than the 8-byte header length. */
    HEADER_TOO_SMALL(ScanRule.HEADER_TOO_SMALL),
    /** Header length over {@link LoadOptions#maxHeaderBytes()}. */
    HEADER_TOO_LARGE(ScanRule.HEADER_TOO_LARGE),
    /** Header length runs past the end of the file. */
    INVALID_HEADER_LENGTH(ScanRule.INVALID_HEADER_LENGTH),
    /** Header is not valid UTF-8. */
    INVALID_HEADER(ScanRule.INVALID_HEADER),
    /** Header JSON is malformed or not of the required shape. */
    INVALID_HEADER_DESERIALIZATION(ScanRule.INVALID_HEADER_DESERIALIZATION),
    /** Header JSON nests deeper than {@link LoadOptions#maxJsonDepth()}. */
    HEADER_TOO_DEEP(ScanRule.HEADER_TOO_DEEP),
    /** A JSON string (tensor name, metadata key or value, shard name) is longer than {@link LoadOptions#maxStringLength()}. */
    STRING_TOO_LONG(ScanRule.STRING_TOO_LONG),
    /** A key appears twice in one JSON object (tensor names, {@code __metadata__}, entry fields). */
    DUPLICATE_KEY(ScanRule.DUPLICATE_KEY),
    /** A tensor entry has a key other than dtype, shape and data_offsets, or lacks one of them. */
    INVALID_TENSOR_ENTRY(ScanRule.INVALID_TENSOR_ENTRY),
    /** A tensor is named {@code __metadata__}, or a name is empty where names may not be. */
    INVALID_TENSOR_NAME(ScanRule.INVALID_TENSOR_NAME),
    /** {@code __metadata__} is not an object of string values. */
    INVALID_METADATA(ScanRule.INVALID_METADATA),
    /** The dtype string names no dtype. */
    UNKNOWN_DTYPE(ScanRule.UNKNOWN_DTYPE),
    /** A shape dimension or offset is negative, fractional or over 64 unsigned bits. */
    INVALID_NUMBER(ScanRule.INVALID_NUMBER),
    /** Offsets leave holes or overlap, or do not start at 0, or end before they begin. */
    INVALID_OFFSET(ScanRule.INVALID_OFFSET),
    /** A sub-byte tensor does not fill a whole number of bytes. */
    MISALIGNED_SLICE(ScanRule.MISALIGNED_SLICE),
    /** A tensor's offsets span a byte count other than its shape and dtype need. */
    TENSOR_INVALID_INFO(ScanRule.TENSOR_INVALID_INFO),
    /** The data buffer is not exactly as long as the last tensor's end (missing or trailing bytes). */
    METADATA_INCOMPLETE_BUFFER(ScanRule.METADATA_INCOMPLETE_BUFFER),

    // --- sharded checkpoints -------------------------------------------------------------------
    /** The index JSON is malformed or not of the required shape. */
    INVALID_INDEX(ScanRule.INVALID_INDEX),
    /** A shard name escapes the index's folder (absolute, {@code ..}, separators). */
    SHARD_OUTSIDE_FOLDER(ScanRule.SHARD_OUTSIDE_FOLDER),
    /** A shard named by the index does not exist or is not a regular file. */
    SHARD_MISSING(ScanRule.SHARD_MISSING),
    /** A weight_map entry names a tensor its shard does not hold. */
    SHARD_TENSOR_MISSING(ScanRule.SHARD_TENSOR_MISSING),
    /** The same tensor name is held by two shards. */
    DUPLICATE_TENSOR(ScanRule.DUPLICATE_TENSOR),
    /** More shards than {@link LoadOptions#maxShards()}. */
    TOO_MANY_SHARDS(ScanRule.TOO_MANY_SHARDS),

    // --- pickle machine ------------------------------------------------------------------------
    /** A GLOBAL / STACK_GLOBAL names something outside the table of meanings. */
    FORBIDDEN_GLOBAL(ScanRule.UNKNOWN_GLOBAL),
    /** An opcode ptsafe refuses by construction (INST, OBJ, EXT*, ...). */
    FORBIDDEN_OPCODE(ScanRule.FORBIDDEN_OPCODE),
    /** A byte that is no pickle opcode. */
    UNKNOWN_OPCODE(ScanRule.UNKNOWN_OPCODE),
    /** A call (REDUCE, NEWOBJ, BUILD) on something the table gives no such meaning. */
    FORBIDDEN_CALL(ScanRule.FORBIDDEN_CALL),
    /**
     * A numpy {@code .npy} array (or {@code .npz} member) of dtype object: its data is a pickle, which
     * {@code np.load(allow_pickle=True)} runs; ptsafe refuses it as {@code np.load}'s default does.
     */
    PICKLED_ARRAY(ScanRule.PICKLED_ARRAY),
    /** A persistent id that is not a storage reference. */
    INVALID_PERSISTENT_ID(ScanRule.INVALID_PERSISTENT_ID),
    /** The pickle is malformed: stack underflow, missing MARK, wrong argument types, bad memo index. */
    MALFORMED_PICKLE(ScanRule.MALFORMED_PICKLE),
    /** The pickle ends before STOP, or an argument runs past its end. */
    TRUNCATED_PICKLE(ScanRule.TRUNCATED_PICKLE),
    /** Bytes after STOP where none may be. */
    TRAILING_DATA(ScanRule.TRAILING_DATA),
    /** A pickle limit was exceeded (bytes, opcodes, stack, nesting, memo, string length, items, decoded bytes). */
    PICKLE_LIMIT(ScanRule.PICKLE_LIMIT),
    /** A value graph that refers to itself. */
    CYCLIC_VALUE(ScanRule.CYCLIC_VALUE),
    /** The pickle is valid but is not a torch checkpoint (no tensors where one must be, etc.). */
    NOT_A_CHECKPOINT(ScanRule.NOT_A_CHECKPOINT),
    /**
     * A FRAME boundary torch's pickle readers disagree on: an argument that runs past the end of its
     * frame, a FRAME before the current frame is used up, or a STOP that leaves part of its frame
     * unread. CPython's C unpickler reading io.BytesIO (as torch.load does), reading a file, and the
     * pure-Python unpickler each read such a pickle differently.
     */
    PICKLE_FRAME_OVERRUN(ScanRule.PICKLE_FRAME_OVERRUN),
    /**
     * A text argument (INT, LONG, FLOAT) in a form CPython's C unpickler and the pure-Python
     * unpickler read as different values, or one accepts and the other refuses ("010", "-0", "1e999").
     */
    AMBIGUOUS_PICKLE_TEXT(ScanRule.AMBIGUOUS_PICKLE_TEXT),

    // --- torch tensors and storages ----------------------------------------------------------------
    /** A storage record the pickle references is absent. */
    MISSING_RECORD(ScanRule.MISSING_RECORD),
    /** A record's size disagrees with the storage's declared element count. */
    RECORD_SIZE_MISMATCH(ScanRule.RECORD_SIZE_MISMATCH),
    /** A tensor's view (offset, sizes, strides) reaches outside its storage. */
    VIEW_OUT_OF_BOUNDS(ScanRule.VIEW_OUT_OF_BOUNDS),
    /** One storage key declared with two different types or sizes. */
    STORAGE_CONFLICT(ScanRule.STORAGE_CONFLICT),
    /** A storage listed in the file but never referenced, or referenced twice where once is the rule. */
    UNREFERENCED_STORAGE(ScanRule.UNREFERENCED_STORAGE),
    /** Arguments to a torch rebuild function are not of the types torch passes. */
    INVALID_TENSOR_ARGUMENTS(ScanRule.INVALID_TENSOR_ARGUMENTS),

    // --- zip container -------------------------------------------------------------------------
    /** The zip structure is malformed (no end record, bad central directory, bad local header). */
    INVALID_ZIP(ScanRule.INVALID_ZIP),
    /** Two entries with one name. */
    DUPLICATE_ENTRY(ScanRule.DUPLICATE_ENTRY),
    /** An entry outside the single root folder, or an unsafe name. */
    ENTRY_OUTSIDE_ROOT(ScanRule.ENTRY_OUTSIDE_ROOT),
    /** Entry data overlaps another entry or runs past the file. */
    ENTRY_OVERLAP(ScanRule.ENTRY_OVERLAP),
    /** An encrypted entry. */
    ENCRYPTED_ENTRY(ScanRule.ENCRYPTED_ENTRY),
    /** A compression method other than STORED or DEFLATED, or a bad compressed stream. */
    UNSUPPORTED_COMPRESSION(ScanRule.UNSUPPORTED_COMPRESSION),
    /** Inflated size or ratio over the limits (zip bomb). */
    ZIP_BOMB(ScanRule.ZIP_BOMB),
    /** A record's CRC-32 disagrees with its bytes. */
    CRC_MISMATCH(ScanRule.CRC_MISMATCH),
    /** More entries than {@link LoadOptions#maxZipEntries()}. */
    TOO_MANY_ENTRIES(ScanRule.TOO_MANY_ENTRIES),
    /** The {@code byteorder} record is neither "little" nor "big". */
    INVALID_BYTE_ORDER(ScanRule.INVALID_BYTE_ORDER),
    /**
     * The end of central directory record torch's reader takes (the last one in the file) is not
     * where the file ends: bytes after it and its comment, a comment length running past the end,
     * or another end record signature inside the comment. Zip readers disagree on such files.
     */
    END_RECORD_NOT_AT_END(ScanRule.END_RECORD_NOT_AT_END),
    /** A multi-disk (split or spanned) archive: disk numbers other than 0, or entries on other disks. */
    MULTI_DISK_ZIP(ScanRule.MULTI_DISK_ZIP),
    /**
     * ZIP64 structures that disagree with the 32-bit fields or with each other, or that sit where
     * zip readers look for them differently (a locator not right before the end record, a ZIP64 end
     * record not right before its locator, two ZIP64 extra fields).
     */
    ZIP64_MISMATCH(ScanRule.ZIP64_MISMATCH),
    /** A local header whose method, flags or sizes disagree with its central directory record. */
    LOCAL_HEADER_MISMATCH(ScanRule.LOCAL_HEADER_MISMATCH),
    /** A zip feature torch's reader does not support: patch data (flag bit 5). */
    UNSUPPORTED_ZIP_FEATURE(ScanRule.UNSUPPORTED_ZIP_FEATURE),
    /** The {@code version} record is missing, not a decimal integer, or outside the versions torch reads. */
    INVALID_VERSION_RECORD(ScanRule.INVALID_VERSION_RECORD),

    // --- legacy torch format -------------------------------------------------------------------
    /**
     * The legacy stream's framing is wrong: the magic number, the protocol version, or a pickle that
     * must hold plain values (the storage key list: a list of str) holds something else.
     */
    INVALID_LEGACY_HEADER(ScanRule.INVALID_LEGACY_HEADER),
    /** sys_info describes a platform ptsafe cannot honour. */
    UNSUPPORTED_SYS_INFO(ScanRule.UNSUPPORTED_SYS_INFO),

    // --- writing -------------------------------------------------------------------------------
    /** A tensor cannot be written as asked (dtype has no safetensors name, names clash, ...). */
    CANNOT_WRITE(ScanRule.OTHER_REFUSAL),
    /** The written file read back differs from its source. */
    VERIFY_MISMATCH(ScanRule.OTHER_REFUSAL),

    // --- any file (appended) -------------------------------------------------------------------
    /**
     * The file is of a format ptsafe reads, but the provider module that reads it is not on the class or
     * module path; the message names the artifact to add ({@code io.ptsafe:ptsafe-pickle},
     * {@code io.ptsafe:ptsafe-safetensors}).
     */
    MISSING_PROVIDER(ScanRule.UNKNOWN_FORMAT),

    // --- archives a tree scan opens (SafeLoader.scanTree) ------------------------------------------
    /** An archive is over a limit: nesting, members, extracted bytes or ratio (an archive bomb). */
    ARCHIVE_LIMIT(ScanRule.ARCHIVE_LIMIT),
    /** An archive (zip, tar, gzip, bzip2, xz) is malformed, or holds a member that cannot be extracted. */
    INVALID_ARCHIVE(ScanRule.INVALID_ARCHIVE),

    // --- streams and uploads (SafeLoader.scan(InputStream), UploadScanner) -------------------------
    /**
     * A stream or upload is longer than {@link LoadOptions#maxStreamBytes()}: it was not read whole,
     * so nothing about it is known (reported, where a report is made, as a file that could not be read).
     */
    TOO_LARGE(ScanRule.IO_ERROR);

    private final ScanRule rule;

    Reason(ScanRule rule) {
        this.rule = rule;
    }

    /**
     * {@return the scan rule this refusal is reported under: its id, verdict and severity} Reasons of
     * writing and verifying ({@link #CANNOT_WRITE}, {@link #VERIFY_MISMATCH}), which no scan makes,
     * belong to {@link ScanRule#OTHER_REFUSAL}.
     */
    public ScanRule rule() {
        return rule;
    }
}
