package io.ptsafe.pickle.zip;

import io.ptsafe.Limit;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.Tensor;
import io.ptsafe.pickle.machine.DecodeBudget;
import io.ptsafe.pickle.machine.GlobalTable;
import io.ptsafe.pickle.machine.GlobalUse;
import io.ptsafe.pickle.machine.Opcode;
import io.ptsafe.pickle.machine.PickleInput;
import io.ptsafe.pickle.machine.PickleListener;
import io.ptsafe.pickle.machine.PickleMachine;
import io.ptsafe.pickle.machine.PickleResult;
import io.ptsafe.pickle.scan.PickleScan;
import io.ptsafe.pickle.torch.StorageIds;
import io.ptsafe.pickle.torch.TensorTree;
import io.ptsafe.pickle.torch.TorchHeapCost;
import io.ptsafe.pickle.torch.TorchPickle;
import io.ptsafe.pickle.torch.TorchScriptGlobals;
import io.ptsafe.pickle.torchscript.CodeScan;
import io.ptsafe.pickle.torchscript.ScriptClasses;
import io.ptsafe.pickle.torchscript.ScriptNames;
import io.ptsafe.pickle.torchscript.ScriptObjects;
import io.ptsafe.scan.ScanFinding.Location;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import io.ptsafe.spi.ScanSupport;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A TorchScript archive ({@code torch.jit.save}): refused by default, read for its weights only when
 * {@link LoadOptions#allowTorchScriptWeights()} is set, and always reported UNSAFE by a scan with the
 * operators its code calls ({@link CodeScan}).
 *
 * <p>Reading follows torch's loader (torch/csrc/jit/serialization/import.cpp,
 * ScriptModuleDeserializer::deserialize): the {@code version} record as for any torch zip, then
 * {@code constants.pkl} (a tuple; its storages under {@code constants/}), then {@code data.pkl} (the
 * module object; storages under {@code data/}), both through the restricted machine with the
 * TorchScript table ({@link TorchScriptGlobals}, and the {@code __torch__} classes {@code code/}
 * declares as inert objects: {@link ScriptObjects}), one decode budget for both. Each pickle must be
 * what the JIT's unpickler reads (unpickler.cpp, Unpickler::run and readInstruction): PROTO 2 first,
 * and only the opcodes it implements ({@link #JIT_OPCODES}). Tensors are named as
 * {@code state_dict()} names them ({@link ScriptNames}), constants as {@code CONSTANTS.c<i>}.
 * {@code code/} is read only for its class declarations ({@link ScriptClasses}); {@code extra/},
 * {@code *.debug_pkl} and every other record are left alone.
 */
final class TorchScriptArchive {
    /** What a converted file records about its source. */
    static final Map<String, String> METADATA = Map.of("ptsafe.source", "torchscript", "ptsafe.code",
            "dropped: the TorchScript programs (code/) were not converted; these are the weights only, named as "
            + "state_dict() names them, constants as CONSTANTS.c<i>");

    /**
     * The opcodes torch's TorchScript unpickler implements (unpickler.cpp readInstruction; any other
     * byte is "Unknown opcode for unpickling"). APPEND, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL and
     * the rest of protocols 3 to 5 are not among them.
     */
    static final Set<Opcode> JIT_OPCODES = EnumSet.of(Opcode.PROTO, Opcode.STOP, Opcode.EMPTY_LIST,
            Opcode.EMPTY_TUPLE, Opcode.BINPUT, Opcode.LONG_BINPUT, Opcode.MARK, Opcode.NEWTRUE, Opcode.NEWFALSE,
            Opcode.NONE, Opcode.BININT1, Opcode.BININT2, Opcode.BININT, Opcode.LONG1, Opcode.BINUNICODE,
            Opcode.BINFLOAT, Opcode.TUPLE, Opcode.TUPLE1, Opcode.TUPLE2, Opcode.TUPLE3, Opcode.EMPTY_DICT,
            Opcode.APPENDS, Opcode.LIST, Opcode.DICT, Opcode.SETITEMS, Opcode.SETITEM, Opcode.BINGET,
            Opcode.LONG_BINGET, Opcode.GLOBAL, Opcode.NEWOBJ, Opcode.BUILD, Opcode.REDUCE, Opcode.BINPERSID);

    private TorchScriptArchive() {
    }

    /** Opening refuses unless opted in, then reads; a scan reports the code, then reads if opted in. */
    static TensorTree.Tree readOrScan(Path path, MemorySegment file, Arena arena, LoadOptions options, ZipArchive zip,
            ZipKinds kind, ScanReport.Builder report) throws PtsafeException {
        if (report == null) {
            if (!options.allowTorchScriptWeights()) {
                throw new PtsafeException(Reason.UNSUPPORTED_FORMAT, path, kind.load() + "; to read only its weights "
                        + "(never its code), opt in with LoadOptions.Builder.allowTorchScriptWeights(true) or the "
                        + "command line's --allow-torchscript-weights");
            }
            return read(path, file, arena, options, zip, PickleListener.NONE);
        }
        kind.report(report);
        scanCode(path, file, arena, options, zip, report);
        if (!options.allowTorchScriptWeights()) {
            return null;
        }
        // Every global the pickles name is reported as it is met; the refusal that stops reading, where it stopped.
        PickleScan globals = new PickleScan(report);
        try {
            TensorTree.Tree tree = read(path, file, arena, options.toBuilder().crcPolicy(LoadOptions.CrcPolicy.SKIP)
                    .build(), zip, globals);
            report.tensors(ScanReport.TensorInventory.of(tree.tensors()));
            return tree;
        } catch (PtsafeException e) {
            globals.stopped(e);
            return null;
        }
    }

    /** The program finding and one finding per operator ({@link CodeScan}). */
    private static void scanCode(Path path, MemorySegment file, Arena arena, LoadOptions options, ZipArchive zip,
            ScanReport.Builder report) {
        Records reader = new Records(path, file, arena, options);
        CodeScan code = new CodeScan(report);
        int sources = 0;
        for (ZipEntryInfo e : zip.records().values()) {
            String relative = e.name().substring(zip.root().length() + 1);
            if (!relative.startsWith("code/") || !relative.endsWith(".py")) {
                continue;
            }
            sources++;
            try {
                code.scan(e.name(), text(path, e, reader, options));
            } catch (PtsafeException x) {
                ScanSupport.refused(report, x, Location.entry(e.name(), e.dataOffset()));
            }
        }
        report.add(ScanRule.TORCHSCRIPT_PROGRAM, Location.FILE, "a TorchScript archive with " + sources
                + " source files under " + zip.root() + "/code/: torch.jit.load (and torch.load) compiles and runs them; "
                + "ptsafe never does, and reads only the weights when LoadOptions.allowTorchScriptWeights is set");
        code.finish();
    }

    private static TensorTree.Tree read(Path path, MemorySegment file, Arena arena, LoadOptions options, ZipArchive zip,
            PickleListener listener) throws PtsafeException {
        // The JIT's table is all there is: the caller's inert globals are for torch.save checkpoints.
        LoadOptions opts = withoutInertGlobals(options);
        TorchZipReader.Archive archive = TorchZipReader.archive(zip, path, file, arena, opts);
        TorchZipReader.checkVersion(zip, path, file, arena, opts);
        Records reader = new Records(path, file, arena, opts);
        ScriptClasses classes = classes(path, zip, reader, opts);
        var meanings = ScriptObjects.meanings(classes, path, opts);
        DecodeBudget budget = new DecodeBudget(opts);

        ZipEntryInfo c = zip.record("constants.pkl");
        if (c == null) {
            throw new PtsafeException(Reason.MISSING_RECORD, path, "no record " + zip.root() + "/constants.pkl: "
                    + "torch.jit.load reads it before data.pkl");
        }
        if (c.size() > opts.maxPickleBytes()) {
            throw Limit.MAX_PICKLE_BYTES.exceeded(path, c.name(), c.size(), opts.maxPickleBytes());
        }
        String root = zip.root();
        PickleInput constantsIn = new PickleInput(reader.data(c), path, c.name(), c.dataOffset());
        TorchPickle.Decoded constants = decode(constantsIn, opts, TorchScriptGlobals.table(opts, meanings), budget,
                listener);
        TensorTree.Tree constantTree = TensorTree.build(constants,
                ref -> TorchZipReader.storage(path, root, zip, reader, ref, "constants/"), archive.order(), arena, opts,
                ScriptNames.constants(path, c.name()));

        TorchPickle.Decoded data = decode(archive.pickle(), opts, TorchScriptGlobals.table(opts, meanings), budget,
                listener);
        TensorTree.Tree dataTree = TensorTree.build(data, archive.storages(), archive.order(), arena, opts,
                new ScriptNames(classes, path, archive.pickle().entry(), opts));

        List<Tensor> all = new ArrayList<>(dataTree.tensors());
        Set<String> names = new HashSet<>();
        all.forEach(t -> names.add(t.name()));
        for (Tensor t : constantTree.tensors()) {
            if (!names.add(t.name())) {
                throw new PtsafeException(Reason.DUPLICATE_TENSOR, path, "a module tensor and a constant are both "
                        + "named '" + t.name() + "'");
            }
            all.add(t);
        }
        if (all.size() > opts.maxTensors()) {
            throw Limit.MAX_TENSORS.exceeded(path, "tensors and constants", all.size(), opts.maxTensors());
        }
        return new TensorTree.Tree(dataTree.root(), List.copyOf(all));
    }

    /** One pickle as the JIT reads it: PROTO 2 first, its opcodes only, classes named as the JIT splits them. */
    private static TorchPickle.Decoded decode(PickleInput in, LoadOptions options, GlobalTable table, DecodeBudget budget,
            PickleListener listener) throws PtsafeException {
        MemorySegment b = in.bytes();
        if (b.byteSize() < 2 || (b.get(ValueLayout.JAVA_BYTE, 0) & 0xff) != 0x80 || b.get(ValueLayout.JAVA_BYTE, 1) != 2) {
            throw new PtsafeException(Reason.MALFORMED_PICKLE, in.file(), in.place(0) + ": torch's TorchScript "
                    + "unpickler reads only pickles that start with PROTO 2 (\"Only Pickle protocol 2 is supported\")");
        }
        StorageIds ids = new StorageIds(false);
        PickleResult r = PickleMachine.on(in, options).globals(table).persistentIds(ids).budget(budget)
                .heapCost(TorchHeapCost.of(false)).listener(listener).run();
        for (Opcode op : r.opcodes()) {
            if (!JIT_OPCODES.contains(op)) {
                throw new PtsafeException(Reason.MALFORMED_PICKLE, in.file(), in.place(0) + ": opcode " + op
                        + ", which torch's TorchScript unpickler does not read (\"Unknown opcode for unpickling\")");
            }
        }
        for (GlobalUse u : r.globals()) {
            if (!u.resolved().equals(u.module() + "." + u.name())) {
                // Python's __builtin__ and torch's torch.tensor renames: the JIT compares module names as written.
                throw new PtsafeException(Reason.MALFORMED_PICKLE, in.file(), in.place(u.offset()) + ": GLOBAL '"
                        + u.module() + "' '" + u.name() + "', which torch's TorchScript unpickler does not read as "
                        + u.resolved() + " (it renames no module)");
            }
            if (u.resolved().startsWith("__torch__.") && u.name().contains(".")) {
                // The JIT splits module and name exactly (c10::QualifiedName asserts a name without dots).
                throw new PtsafeException(Reason.MALFORMED_PICKLE, in.file(), in.place(u.offset()) + ": GLOBAL '"
                        + u.module() + "' '" + u.name() + "': a class name with a dot, which torch refuses");
            }
        }
        return new TorchPickle.Decoded(in, r, ids.storages());
    }

    /** The classes of every {@code code/} source, each read under {@link LoadOptions#maxPickleStringBytes()}. */
    private static ScriptClasses classes(Path path, ZipArchive zip, Records reader, LoadOptions options)
            throws PtsafeException {
        ScriptClasses classes = new ScriptClasses(path, options);
        for (ZipEntryInfo e : zip.records().values()) {
            String relative = e.name().substring(zip.root().length() + 1);
            String qualifier = ScriptClasses.qualifier(relative);
            if (qualifier != null) {
                classes.add(e.name(), qualifier, text(path, e, reader, options));
            }
        }
        return classes;
    }

    /** A source's text: UTF-8, at most {@link LoadOptions#maxPickleStringBytes()} bytes. */
    static String text(Path path, ZipEntryInfo e, Records reader, LoadOptions options) throws PtsafeException {
        if (e.size() > options.maxPickleStringBytes()) {
            throw Limit.MAX_PICKLE_STRING_BYTES.exceeded(Reason.PICKLE_LIMIT, path, e.name() + ": TorchScript source",
                    e.size(), options.maxPickleStringBytes());
        }
        ByteBuffer bytes = reader.data(e).asByteBuffer();
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException x) {
            throw new PtsafeException(Reason.UNSUPPORTED_FORMAT, path, e.name() + ": TorchScript source that is not "
                    + "UTF-8 (torch.jit.save writes UTF-8)");
        }
    }

    private static LoadOptions withoutInertGlobals(LoadOptions o) {
        LoadOptions.Builder b = LoadOptions.builder().crcPolicy(o.crcPolicy()).allowTorchScriptWeights(true);
        for (Limit l : Limit.values()) {
            b.limit(l, o.limit(l));
        }
        return b.build();
    }
}
