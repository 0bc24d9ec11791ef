package io.ptsafe.scan;

import io.ptsafe.scan.ScanFinding.Severity;
import io.ptsafe.scan.ScanReport.Verdict;
import java.util.Objects;
import io.ptsafe.LoadOptions;
import io.ptsafe.Reason;
import io.ptsafe.Tensor;

/**
 * The catalog of scan rules: every kind of {@link ScanFinding}, with a stable id (never reused,
 * never renumbered), a name, a description, a default severity, and the verdict an error of the
 * rule gives its file. Ids are grouped by hundreds: 1xx code execution, 2xx containers and zip
 * integrity, 3xx pickle syntax and limits, 4xx tensors and storages, 5xx safetensors headers and
 * sharded indexes, 9xx anything else. Each {@link Reason} of a refusal names its rule
 * ({@link Reason#rule()}, by construction); the rules no reason names are findings only a scan makes.
 */
public enum ScanRule {
    // --- code execution ---------------------------------------------------------------------------
    /** {@code PTS100}: Global from a code-execution family. */
    DANGEROUS_GLOBAL("PTS100", Verdict.UNSAFE, "Global from a code-execution family",
            "The pickle names a global from a module family known to run code (os, posix, subprocess, builtins "
            + "eval/exec/getattr/__import__, importlib, runpy, pickle loads, pip, ...; see "
            + "io.ptsafe.spi.DangerousGlobals). torch.load without weights_only would import and call it."),
    /** {@code PTS101}: Global outside the allowlist. */
    UNKNOWN_GLOBAL("PTS101", Verdict.UNSAFE, "Global outside the allowlist",
            "The pickle names a global that is not in ptsafe's table of inert meanings (torch's weights_only "
            + "allowlist). Loading it would import and call arbitrary code; a global that is only data can be "
            + "declared inert with LoadOptions.Builder.addInertGlobals."),
    /** {@code PTS102}: Opcode that instantiates by name. */
    FORBIDDEN_OPCODE("PTS102", Verdict.UNSAFE, "Opcode that instantiates by name",
            "INST, OBJ, EXT1/EXT2/EXT4 (or protocol 5 out-of-band buffers): opcodes that create objects from a "
            + "class named inline or taken from the copyreg registry. torch.save never writes them."),
    /** {@code PTS103}: Call on something the allowlist cannot call. */
    FORBIDDEN_CALL("PTS103", Verdict.UNSAFE, "Call on something the allowlist cannot call",
            "REDUCE, NEWOBJ or BUILD applied to a value that has no such behaviour in the table of meanings "
            + "(calling a dtype, BUILD on a plain dict): how payloads hide behind allowed names."),
    /** {@code PTS104}: numpy object array, whose data is a pickle. */
    PICKLED_ARRAY("PTS104", Verdict.UNSAFE, "numpy object array, whose data is a pickle",
            "A .npy array (or .npz member) of dtype object ('|O'): its data is a pickle, which "
            + "np.load(allow_pickle=True) unpickles, running whatever it names. np.load's default "
            + "(allow_pickle=False) refuses it, and so does ptsafe; a scan also reports what the pickle names."),
    /** {@code PTS110}: Global decoded as inert data. */
    INERT_GLOBAL("PTS110", Verdict.SAFE, Severity.NOTE, "Global decoded as inert data",
            "A global the caller declared inert (LoadOptions.inertGlobals): kept as its name, arguments and "
            + "state, never called."),
    /** {@code PTS120}: TorchScript program. */
    TORCHSCRIPT_PROGRAM("PTS120", Verdict.UNSAFE, "TorchScript program",
            "A TorchScript archive's code/ holds programs that torch.jit.load (and torch.load) compiles and runs "
            + "with access to every torch operator. ptsafe never compiles them; with "
            + "LoadOptions.allowTorchScriptWeights it reads only the weights."),
    /** {@code PTS121}: TorchScript operator called. */
    TORCHSCRIPT_OPERATOR("PTS121", Verdict.SAFE, Severity.NOTE, "TorchScript operator called",
            "An operator or builtin the archive's code/ calls (torch.*, ops.<namespace>.*, aten::, prim::), "
            + "found by reading the text as data: one finding per operator, at its first call, with the count."),
    /** {@code PTS122}: TorchScript operator that reaches the system. */
    TORCHSCRIPT_SYSTEM_ACCESS("PTS122", Verdict.UNSAFE, "TorchScript operator that reaches the system",
            "A call in code/ to an operator that reaches the file system, the network or processes, runs "
            + "pickles or Python, or belongs to a custom (non-torch) operator namespace that could do anything "
            + "(docs/scanning.md lists them)."),

    // --- containers and zip integrity ---------------------------------------------------------------
    /** {@code PTS200}: Unknown format. */
    UNKNOWN_FORMAT("PTS200", Verdict.INVALID, "Unknown format",
            "The bytes match no format ptsafe knows: not safetensors, a torch checkpoint, a pickle, tar or numpy. "
            + "Also a format ptsafe reads whose provider module (ptsafe-safetensors, ptsafe-pickle) is not on the "
            + "class or module path: the message names the artifact to add."),
    /** {@code PTS201}: Container ptsafe does not load. */
    UNSUPPORTED_FORMAT("PTS201", Verdict.INVALID, "Container ptsafe does not load",
            "A container ptsafe recognises but does not load: tar (torch's 2017 format, refused by torch's own "
            + "weights_only since CVE-2025-32434), numpy .npy/.npz."),
    /** {@code PTS202}: Container that holds code. */
    HOLDS_CODE("PTS202", Verdict.INVALID, "Container that holds code",
            "A TorchScript or torch.package archive: it holds programs, not only weights. torch.load hands "
            + "TorchScript to torch.jit.load. ptsafe loads data only; save the state_dict instead."),
    /** {@code PTS203}: Not a checkpoint. */
    NOT_A_CHECKPOINT("PTS203", Verdict.INVALID, "Not a checkpoint",
            "A valid container that holds no torch checkpoint: a bare pickle, a zip without data.pkl."),
    /** {@code PTS204}: File could not be read. */
    IO_ERROR("PTS204", Verdict.INVALID, "File could not be read",
            "The file could not be opened, read or mapped, or changed while it was read."),
    /** {@code PTS205}: Scanner failure. */
    SCANNER_ERROR("PTS205", Verdict.INVALID, "Scanner failure",
            "The scanner failed unexpectedly (a ptsafe bug): the file was not fully examined."),
    /** {@code PTS210}: Malformed zip. */
    INVALID_ZIP("PTS210", Verdict.INVALID, "Malformed zip",
            "No end record, a bad central directory, or a local header that disagrees with the central "
            + "directory (name, signature, sizes): readers that trust different copies see different files."),
    /** {@code PTS211}: Duplicate zip entry. */
    DUPLICATE_ENTRY("PTS211", Verdict.INVALID, "Duplicate zip entry",
            "Two entries with one name, compared ignoring ASCII case as torch's reader finds records: torch and "
            + "other zip readers pick different ones."),
    /** {@code PTS212}: Zip entry outside the root folder. */
    ENTRY_OUTSIDE_ROOT("PTS212", Verdict.INVALID, "Zip entry outside the root folder",
            "An entry outside the archive's single root folder, or an unsafe name (absolute, '..', backslash, "
            + "control characters)."),
    /** {@code PTS213}: Overlapping zip entries. */
    ENTRY_OVERLAP("PTS213", Verdict.INVALID, "Overlapping zip entries",
            "An entry's data overlaps another entry or the central directory, or runs past the file."),
    /** {@code PTS214}: Encrypted zip entry. */
    ENCRYPTED_ENTRY("PTS214", Verdict.INVALID, "Encrypted zip entry",
            "An entry flagged as encrypted."),
    /** {@code PTS215}: Unsupported compression. */
    UNSUPPORTED_COMPRESSION("PTS215", Verdict.INVALID, "Unsupported compression",
            "A compression method other than STORED or DEFLATED, or a bad DEFLATE stream."),
    /** {@code PTS216}: Zip bomb. */
    ZIP_BOMB("PTS216", Verdict.INVALID, "Zip bomb",
            "A DEFLATED record inflating over LoadOptions.maxInflatedBytes or maxCompressionRatio, or past its "
            + "declared size."),
    /** {@code PTS217}: CRC-32 mismatch. */
    CRC_MISMATCH("PTS217", Verdict.INVALID, "CRC-32 mismatch",
            "A record's CRC-32 disagrees with its bytes. An error when LoadOptions.crcPolicy enforces CRCs "
            + "(loading would refuse the file); a warning for records the scan read anyway under CrcPolicy.SKIP."),
    /** {@code PTS218}: Too many zip entries. */
    TOO_MANY_ENTRIES("PTS218", Verdict.INVALID, "Too many zip entries",
            "More entries than LoadOptions.maxZipEntries."),
    /** {@code PTS219}: Invalid byteorder record. */
    INVALID_BYTE_ORDER("PTS219", Verdict.INVALID, "Invalid byteorder record",
            "The byteorder record is neither \"little\" nor \"big\"."),
    /** {@code PTS220}: Storage record no tensor uses. */
    UNREFERENCED_RECORD("PTS220", Verdict.SAFE, Severity.WARNING, "Storage record no tensor uses",
            "A data/<key> record the pickle never references. torch ignores it; it may carry hidden content."),
    /** {@code PTS221}: Entry torch.load does not read. */
    UNEXPECTED_ENTRY("PTS221", Verdict.SAFE, Severity.WARNING, "Entry torch.load does not read",
            "An entry that is not part of the torch.save layout (data.pkl, data/<key>, version, byteorder ...). "
            + "torch.load never reads it; other tools might."),
    /** {@code PTS222}: End record not at the end of the file. */
    END_RECORD_NOT_AT_END("PTS222", Verdict.INVALID, "End record not at the end of the file",
            "The end of central directory record torch takes (the last one) and its comment do not end the file, "
            + "or another end record hides in the comment: other zip readers take another record and so read "
            + "other entries."),
    /** {@code PTS223}: Multi-disk zip. */
    MULTI_DISK_ZIP("PTS223", Verdict.INVALID, "Multi-disk zip",
            "Disk numbers other than 0 in the end records or an entry: a split or spanned archive, which torch's "
            + "reader refuses or reads as one disk."),
    /** {@code PTS224}: Inconsistent ZIP64 fields. */
    ZIP64_MISMATCH("PTS224", Verdict.INVALID, "Inconsistent ZIP64 fields",
            "ZIP64 end record, locator or extra field values that disagree with the 32-bit fields, or ZIP64 "
            + "records placed where zip readers look for them differently."),
    /** {@code PTS225}: Local header disagrees with the central directory. */
    LOCAL_HEADER_MISMATCH("PTS225", Verdict.INVALID, "Local header disagrees with the central directory",
            "An entry's local header gives another method, flags or sizes than its central directory record: "
            + "torch reads the central one, streaming readers the local one."),
    /** {@code PTS226}: Unsupported zip feature. */
    UNSUPPORTED_ZIP_FEATURE("PTS226", Verdict.INVALID, "Unsupported zip feature",
            "An entry flagged as patch data (general purpose bit 5), which torch's zip reader refuses to read."),
    /** {@code PTS227}: Invalid version record. */
    INVALID_VERSION_RECORD("PTS227", Verdict.INVALID, "Invalid version record",
            "The version record is missing, is not a decimal integer, or names a file format version torch does "
            + "not read (1 to 10): torch.load refuses the file."),

    // --- pickle syntax and limits ---------------------------------------------------------------------
    /** {@code PTS300}: Unknown pickle opcode. */
    UNKNOWN_OPCODE("PTS300", Verdict.INVALID, "Unknown pickle opcode",
            "A byte that is no pickle opcode."),
    /** {@code PTS301}: Malformed pickle. */
    MALFORMED_PICKLE("PTS301", Verdict.INVALID, "Malformed pickle",
            "Stack underflow, missing MARK, wrong argument types, a bad memo index, SETITEM on a non-dict."),
    /** {@code PTS302}: Truncated pickle. */
    TRUNCATED_PICKLE("PTS302", Verdict.INVALID, "Truncated pickle",
            "The pickle ends before STOP, or an argument runs past its end."),
    /** {@code PTS303}: Bytes after the pickle. */
    TRAILING_DATA("PTS303", Verdict.INVALID, "Bytes after the pickle",
            "Bytes after STOP (a second, hidden pickle or a polyglot)."),
    /** {@code PTS304}: Pickle over a limit. */
    PICKLE_LIMIT("PTS304", Verdict.INVALID, "Pickle over a limit",
            "A pickle limit of LoadOptions was exceeded (bytes, opcodes, stack, nesting, memo, string length, "
            + "items, decoded bytes)."),
    /** {@code PTS305}: Cyclic value. */
    CYCLIC_VALUE("PTS305", Verdict.INVALID, "Cyclic value",
            "A value graph that refers to itself."),
    /** {@code PTS306}: Invalid persistent id. */
    INVALID_PERSISTENT_ID("PTS306", Verdict.INVALID, "Invalid persistent id",
            "A persistent id that is not a torch storage reference."),
    /** {@code PTS307}: Argument past its pickle frame. */
    PICKLE_FRAME_OVERRUN("PTS307", Verdict.INVALID, "Argument past its pickle frame",
            "An opcode's argument runs past the end of its FRAME, a FRAME starts before the current one is used up, "
            + "or STOP leaves part of its frame unread. torch's C unpickler (reading io.BytesIO) drops the rest of "
            + "the frame and reads on from after it, so it runs different opcodes than a reader that reads across."),
    /** {@code PTS308}: Ambiguous pickle text argument. */
    AMBIGUOUS_PICKLE_TEXT("PTS308", Verdict.INVALID, "Ambiguous pickle text argument",
            "An INT, LONG or FLOAT text argument that CPython's C and pure-Python unpicklers read differently "
            + "(leading zeros, signs on 0/1, underscores, whitespace, prefixes, overflowing floats)."),

    // --- tensors and storages -------------------------------------------------------------------------
    /** {@code PTS400}: Missing storage record. */
    MISSING_RECORD("PTS400", Verdict.INVALID, "Missing storage record",
            "A storage the pickle references has no record."),
    /** {@code PTS401}: Storage record size mismatch. */
    RECORD_SIZE_MISMATCH("PTS401", Verdict.INVALID, "Storage record size mismatch",
            "A record's size disagrees with the storage's declared element count."),
    /** {@code PTS402}: Tensor outside its storage. */
    VIEW_OUT_OF_BOUNDS("PTS402", Verdict.INVALID, "Tensor outside its storage",
            "A tensor's offset, sizes and strides reach outside its storage."),
    /** {@code PTS403}: Conflicting storage declarations. */
    STORAGE_CONFLICT("PTS403", Verdict.INVALID, "Conflicting storage declarations",
            "One storage key declared with two different types or sizes."),
    /** {@code PTS404}: Unreferenced or repeated storage. */
    UNREFERENCED_STORAGE("PTS404", Verdict.INVALID, "Unreferenced or repeated storage",
            "A storage listed in a legacy file but never referenced, or listed twice."),
    /** {@code PTS405}: Invalid tensor arguments. */
    INVALID_TENSOR_ARGUMENTS("PTS405", Verdict.INVALID, "Invalid tensor arguments",
            "Arguments to a torch rebuild function are not of the types torch passes."),
    /** {@code PTS406}: Too many tensors. */
    TOO_MANY_TENSORS("PTS406", Verdict.INVALID, "Too many tensors",
            "More tensors than LoadOptions.maxTensors."),
    /** {@code PTS407}: Too many dimensions. */
    TOO_MANY_DIMENSIONS("PTS407", Verdict.INVALID, "Too many dimensions",
            "A tensor of more dimensions than LoadOptions.maxRank."),
    /** {@code PTS408}: Size arithmetic overflow. */
    VALIDATION_OVERFLOW("PTS408", Verdict.INVALID, "Size arithmetic overflow",
            "A tensor's element count or byte size overflows 64 bits."),
    /** {@code PTS409}: Duplicate tensor name. */
    DUPLICATE_TENSOR("PTS409", Verdict.INVALID, "Duplicate tensor name",
            "Two tensors with one name (in one file, or in two shards)."),
    /** {@code PTS410}: Sub-byte tensor not byte aligned. */
    MISALIGNED_SLICE("PTS410", Verdict.INVALID, "Sub-byte tensor not byte aligned",
            "A sub-byte tensor does not fill a whole number of bytes."),
    /** {@code PTS450}: Invalid legacy header. */
    INVALID_LEGACY_HEADER("PTS450", Verdict.INVALID, "Invalid legacy header",
            "The legacy magic number or protocol version is wrong."),
    /** {@code PTS451}: Unsupported sys_info. */
    UNSUPPORTED_SYS_INFO("PTS451", Verdict.INVALID, "Unsupported sys_info",
            "The legacy sys_info describes a platform ptsafe cannot honour."),

    // --- safetensors headers and sharded indexes ------------------------------------------------------
    /** {@code PTS500}: File shorter than the header length. */
    HEADER_TOO_SMALL("PTS500", Verdict.INVALID, "File shorter than the header length",
            "A safetensors file shorter than its 8-byte header length."),
    /** {@code PTS501}: Header too large. */
    HEADER_TOO_LARGE("PTS501", Verdict.INVALID, "Header too large",
            "The header length is over LoadOptions.maxHeaderBytes."),
    /** {@code PTS502}: Header runs past the file. */
    INVALID_HEADER_LENGTH("PTS502", Verdict.INVALID, "Header runs past the file",
            "The header length runs past the end of the file."),
    /** {@code PTS503}: Header not UTF-8. */
    INVALID_HEADER("PTS503", Verdict.INVALID, "Header not UTF-8", "The header is not valid UTF-8."),
    /** {@code PTS504}: Malformed header JSON. */
    INVALID_HEADER_DESERIALIZATION("PTS504", Verdict.INVALID, "Malformed header JSON",
            "The header is not JSON of the required shape."),
    /** {@code PTS505}: Header nests too deep. */
    HEADER_TOO_DEEP("PTS505", Verdict.INVALID, "Header nests too deep",
            "The header JSON nests deeper than LoadOptions.maxJsonDepth."),
    /** {@code PTS506}: JSON string too long. */
    STRING_TOO_LONG("PTS506", Verdict.INVALID, "JSON string too long",
            "A JSON string is longer than LoadOptions.maxStringLength."),
    /** {@code PTS507}: Duplicate JSON key. */
    DUPLICATE_KEY("PTS507", Verdict.INVALID, "Duplicate JSON key",
            "A key appears twice in one JSON object: readers keep different ones."),
    /** {@code PTS508}: Invalid tensor entry. */
    INVALID_TENSOR_ENTRY("PTS508", Verdict.INVALID, "Invalid tensor entry",
            "A tensor entry lacks dtype, shape or data_offsets, or has other keys."),
    /** {@code PTS509}: Invalid tensor name. */
    INVALID_TENSOR_NAME("PTS509", Verdict.INVALID, "Invalid tensor name",
            "A tensor named __metadata__, or an empty name where names may not be."),
    /** {@code PTS510}: Invalid metadata. */
    INVALID_METADATA("PTS510", Verdict.INVALID, "Invalid metadata",
            "__metadata__ is not an object of string values."),
    /** {@code PTS511}: Unknown dtype. */
    UNKNOWN_DTYPE("PTS511", Verdict.INVALID, "Unknown dtype", "A dtype string that names no dtype."),
    /** {@code PTS512}: Invalid number. */
    INVALID_NUMBER("PTS512", Verdict.INVALID, "Invalid number",
            "A shape dimension or offset that is negative, fractional or over 64 unsigned bits."),
    /** {@code PTS513}: Invalid data offsets. */
    INVALID_OFFSET("PTS513", Verdict.INVALID, "Invalid data offsets",
            "Tensor data offsets leave holes, overlap, do not start at 0, or end before they begin."),
    /** {@code PTS514}: Offsets disagree with shape and dtype. */
    TENSOR_INVALID_INFO("PTS514", Verdict.INVALID, "Offsets disagree with shape and dtype",
            "A tensor's offsets span a byte count other than its shape and dtype need."),
    /** {@code PTS515}: Data buffer of the wrong length. */
    METADATA_INCOMPLETE_BUFFER("PTS515", Verdict.INVALID, "Data buffer of the wrong length",
            "The data buffer is not exactly as long as the last tensor's end (missing or trailing bytes)."),
    /** {@code PTS550}: Malformed shard index. */
    INVALID_INDEX("PTS550", Verdict.INVALID, "Malformed shard index",
            "The sharded checkpoint's index JSON is malformed or not of the required shape."),
    /** {@code PTS551}: Shard outside the index's folder. */
    SHARD_OUTSIDE_FOLDER("PTS551", Verdict.INVALID, "Shard outside the index's folder",
            "A shard name escapes the index's folder."),
    /** {@code PTS552}: Missing shard. */
    SHARD_MISSING("PTS552", Verdict.INVALID, "Missing shard",
            "A shard named by the index does not exist or is not a regular file."),
    /** {@code PTS553}: Tensor missing from its shard. */
    SHARD_TENSOR_MISSING("PTS553", Verdict.INVALID, "Tensor missing from its shard",
            "The index maps a tensor to a shard that does not hold it."),
    /** {@code PTS554}: Too many shards. */
    TOO_MANY_SHARDS("PTS554", Verdict.INVALID, "Too many shards",
            "More shards than LoadOptions.maxShards."),

    // --- archives a tree scan opens ---------------------------------------------------------------
    /** {@code PTS600}: Archive over a limit. */
    ARCHIVE_LIMIT("PTS600", Verdict.INVALID, "Archive over a limit",
            "An archive a tree scan opened is nested too deep, has too many members, or extracts to more bytes "
            + "or at a higher ratio than the LoadOptions maxArchive* limits allow (an archive bomb); what lies "
            + "beyond was not scanned."),
    /** {@code PTS601}: Malformed archive. */
    INVALID_ARCHIVE("PTS601", Verdict.INVALID, "Malformed archive",
            "An archive a tree scan opened is malformed, or holds a member that cannot be extracted (encrypted, "
            + "an unsupported compression method): what it holds could not be scanned."),

    // --- anything else ---------------------------------------------------------------------------------
    /** {@code PTS900}: Other refusal. */
    OTHER_REFUSAL("PTS900", Verdict.INVALID, "Other refusal",
            "A refusal no scan of a file makes: writing or verifying a converted file (Reason.CANNOT_WRITE, "
            + "Reason.VERIFY_MISMATCH).");

    private final String id;
    private final Verdict effect;
    private final Severity severity;
    private final String title;
    private final String help;

    ScanRule(String id, Verdict effect, String title, String help) {
        this(id, effect, Severity.ERROR, title, help);
    }

    ScanRule(String id, Verdict effect, Severity severity, String title, String help) {
        this.id = id;
        this.effect = effect;
        this.severity = severity;
        this.title = title;
        this.help = help;
    }

    /** {@return the stable id, {@code PTS} and three digits} */
    public String id() {
        return id;
    }

    /** {@return a readable identifier: the constant's name in kebab case ({@code dangerous-global})} */
    public String slug() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** {@return one line saying what the rule finds} */
    public String title() {
        return title;
    }

    /** {@return a few sentences: what the rule finds and why it matters} */
    public String help() {
        return help;
    }

    /** {@return the severity of the rule's findings unless a finding says otherwise} */
    public Severity defaultSeverity() {
        return severity;
    }

    /** {@return the verdict an error of this rule gives its file ({@link Verdict#SAFE}: none)} */
    public Verdict effect() {
        return effect;
    }

    /**
     * The rule a refusal's reason belongs to.
     *
     * @param reason the reason of a refusal
     * @return its rule: {@link Reason#rule()}
     */
    public static ScanRule of(Reason reason) {
        return Objects.requireNonNull(reason, "reason").rule();
    }
}
