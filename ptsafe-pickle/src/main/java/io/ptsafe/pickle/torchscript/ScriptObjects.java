package io.ptsafe.pickle.torchscript;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.pickle.machine.Call;
import io.ptsafe.pickle.machine.Meaning;
import io.ptsafe.pickle.machine.OpaqueObj;
import io.ptsafe.pickle.machine.Opcode;
import io.ptsafe.pickle.torch.TorchGlobals;
import io.ptsafe.pickle.torch.TorchScriptGlobals;
import io.ptsafe.LoadOptions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The meanings of an archive's classes: each {@code __torch__} class {@code code/} declares is an
 * inert object of the machine, its name a string in the table, never looked up as code. Torch's
 * TorchScript pickler writes an object as {@code GLOBAL cls, EMPTY_TUPLE, NEWOBJ, <dict>, BUILD}
 * (torch/csrc/jit/serialization/pickler.cpp, pushIValueImpl for objects), and the JIT's unpickler
 * makes it at BUILD from that dict (unpickler.cpp: NEWOBJ drops its arguments, BUILD calls the
 * class's loader; import.cpp obj_loader: {@code dict.at(attribute name)} for each attribute). So:
 * NEWOBJ with no arguments makes an object ({@link OpaqueObj#scriptObject}); BUILD sets its dict of
 * attributes once; REDUCE on a class (how enums are pickled) is refused, and so is a class that
 * defines {@code __setstate__}: its state means what its own TorchScript code makes of it.
 *
 * <p>A class whose name, less {@code __torch__.} and torch's {@code ___torch_mangle_<n>} segments,
 * is a global of ptsafe's torch tables ({@code __torch__.torch._utils._rebuild_tensor_v2}) is refused
 * with {@link Reason#FORBIDDEN_GLOBAL}: the names differ for ptsafe and for torch (whose
 * {@code readGlobal} compares the module exactly), but a reader that drops the prefix would take it
 * for the function, and no scripted model has such a class.
 */
public final class ScriptObjects {
    private static final Pattern MANGLE = Pattern.compile("\\.___torch_mangle_[0-9]+(?=\\.)");

    private ScriptObjects() {
    }

    /** The meanings of {@code classes}, by name; refuses a class whose name collides with a torch global. */
    public static Map<String, Meaning> meanings(ScriptClasses classes, Path file, LoadOptions options)
            throws PtsafeException {
        var torch = TorchGlobals.table(options);
        Map<String, Meaning> out = new LinkedHashMap<>();
        for (ScriptClasses.ScriptClass c : classes.all().values()) {
            String plain = MANGLE.matcher(c.name().substring("__torch__".length())).replaceAll("");
            String bare = plain.startsWith(".") ? plain.substring(1) : plain;
            if (torch.lookup(bare).isPresent() || TorchScriptGlobals.isTorchName(bare)) {
                throw new PtsafeException(Reason.FORBIDDEN_GLOBAL, file, c.entry() + ", line " + c.line()
                        + ": TorchScript class " + c.name() + " spells the torch global " + bare
                        + " after its __torch__ prefix; ptsafe refuses a class name that a reader dropping the "
                        + "prefix would take for a torch function");
            }
            out.put(c.name(), new ClassMeaning(c));
        }
        return out;
    }

    /** One class. */
    private record ClassMeaning(ScriptClasses.ScriptClass cls) implements Meaning {
        @Override
        public Object instantiate(Call c) throws PtsafeException {
            if (c.opcode() != Opcode.NEWOBJ || !c.args().isEmpty()) {
                throw c.malformed(c.opcode() + " with " + c.args().size() + " arguments: torch.jit.save writes "
                        + "NEWOBJ with an empty tuple");
            }
            if (cls.setState()) {
                throw c.fail(Reason.UNSUPPORTED_FORMAT, "the class defines __setstate__ (" + cls.entry() + ", line "
                        + cls.line() + "): its state is read by its own TorchScript code, which ptsafe never runs");
            }
            return OpaqueObj.scriptObject(cls.name());
        }

        @Override
        public Object call(Call c) throws PtsafeException {
            throw c.fail(Reason.UNSUPPORTED_FORMAT, "REDUCE on a TorchScript class (an enum, or a class whose "
                    + "state only its code reads): ptsafe reads objects made by NEWOBJ and BUILD from a dict");
        }
    }
}
