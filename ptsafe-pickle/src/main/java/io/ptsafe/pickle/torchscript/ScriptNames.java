package io.ptsafe.pickle.torchscript;

import io.ptsafe.Limit;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import io.ptsafe.pickle.torch.TensorTree;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Names the tensors of a TorchScript archive as {@code model.state_dict()} names them (torch's
 * {@code nn.Module._save_to_state_dict} over a {@code RecursiveScriptModule}, whose
 * {@code _parameters} and {@code _buffers} are the attributes its class marks as parameters and
 * buffers): for each module, depth first from the root, its parameters, then its buffers, each in
 * the order of its attributes, then its submodules (attributes holding module objects), their names
 * joined with ".". A parameter or buffer that is None is skipped, as state_dict skips it; tensors in
 * other attributes (plain tensor attributes, objects of non-module classes) are not listed. A module
 * reached under two names is listed under both.
 *
 * <p>Refused: a root that is no module object; an object never built; a declared parameter or
 * buffer missing from the object's attributes (torch's loader fails on it too) or holding something
 * other than a tensor or None; two tensors under one name; more module visits than
 * {@link LoadOptions#maxContainerItems()} (a module shared many times over would otherwise be
 * walked once per path). Cycles and depth are refused before, when the tree is converted.
 *
 * <p>The constants ({@code constants.pkl}, a tuple) are named {@code CONSTANTS.c<i>}, as the code
 * refers to them.
 */
public final class ScriptNames implements TensorTree.Naming {
    private final ScriptClasses classes;
    private final Path file;
    private final String entry;
    private final LoadOptions options;

    /** Names the module tree of {@code entry} (data.pkl). */
    public ScriptNames(ScriptClasses classes, Path file, String entry, LoadOptions options) {
        this.classes = classes;
        this.file = file;
        this.entry = entry;
        this.options = options;
    }

    private record Visit(PyValue.Opaque module, String prefix) {
    }

    @Override
    public List<Map.Entry<String, PyValue.TensorValue>> name(PyValue root) throws PtsafeException {
        if (!isModule(root)) {
            throw malformed("the root is a " + describe(root) + ", not an object of a TorchScript module class");
        }
        List<Map.Entry<String, PyValue.TensorValue>> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        ArrayDeque<Visit> todo = new ArrayDeque<>();
        todo.push(new Visit((PyValue.Opaque) root, ""));
        long visits = 0;
        while (!todo.isEmpty()) {
            Visit v = todo.pop();
            if (++visits > options.maxContainerItems()) {
                throw Limit.MAX_CONTAINER_ITEMS.exceeded(Reason.PICKLE_LIMIT, file, entry + ": module objects visited "
                        + "naming the tensors", visits, options.maxContainerItems());
            }
            ScriptClasses.ScriptClass cls = classes.get(v.module().global()).orElseThrow();
            Map<PyValue, PyValue> attrs = attributes(v);
            for (List<String> kind : List.of(cls.parameters(), cls.buffers())) {
                for (String a : kind) {
                    if (!attrs.containsKey(new PyValue.Str(a))) {
                        throw malformed("'" + label(v) + "' (" + cls.name() + ") declares '" + a + "' in "
                                + (kind == cls.parameters() ? "__parameters__" : "__buffers__")
                                + " but its state has no such attribute");
                    }
                }
                for (Map.Entry<PyValue, PyValue> e : attrs.entrySet()) {
                    String a = ((PyValue.Str) e.getKey()).value();
                    if (!kind.contains(a) || e.getValue() == PyValue.None.NONE) {
                        continue;
                    }
                    if (!(e.getValue() instanceof PyValue.TensorValue t)) {
                        throw new PtsafeException(Reason.INVALID_TENSOR_ARGUMENTS, file, entry + ": '" + v.prefix() + a
                                + "' is declared a " + (kind == cls.parameters() ? "parameter" : "buffer") + " of "
                                + cls.name() + " but holds a " + describe(e.getValue()));
                    }
                    String name = v.prefix() + a;
                    if (!names.add(name)) {
                        throw new PtsafeException(Reason.DUPLICATE_TENSOR, file, entry + ": two tensors named '"
                                + ScriptClasses.clip(name) + "'");
                    }
                    if (out.size() + 1 > options.maxTensors()) {
                        throw Limit.MAX_TENSORS.exceeded(file, entry + ": named tensors", out.size() + 1L,
                                options.maxTensors());
                    }
                    out.add(Map.entry(name, t));
                }
            }
            List<Visit> children = new ArrayList<>();
            for (Map.Entry<PyValue, PyValue> e : attrs.entrySet()) {
                if (isModule(e.getValue())) {
                    String prefix = v.prefix() + ((PyValue.Str) e.getKey()).value() + ".";
                    if (prefix.length() > options.maxStringLength()) {
                        throw Limit.MAX_STRING_LENGTH.exceeded(Reason.PICKLE_LIMIT, file, entry + ": a tensor name",
                                prefix.length(), options.maxStringLength());
                    }
                    children.add(new Visit((PyValue.Opaque) e.getValue(), prefix));
                }
            }
            for (int i = children.size() - 1; i >= 0; i--) {
                todo.push(children.get(i));
            }
        }
        return out;
    }

    /** The object's attributes: its BUILD state, a dict of str keys. */
    private Map<PyValue, PyValue> attributes(Visit v) throws PtsafeException {
        PyValue state = v.module().state();
        if (state == null) {
            throw malformed("the " + v.module().global() + " object at '" + label(v) + "' was never built (no BUILD)");
        }
        if (!(state instanceof PyValue.Dict d)) {
            throw malformed("the state of '" + label(v) + "' is a " + describe(state) + ", not a dict of attributes");
        }
        for (PyValue k : d.entries().keySet()) {
            if (!(k instanceof PyValue.Str)) {
                throw malformed("an attribute of '" + label(v) + "' is named by a " + describe(k) + ", not a str");
            }
        }
        return d.entries();
    }

    private boolean isModule(PyValue v) {
        return v instanceof PyValue.Opaque o && classes.get(o.global()).map(ScriptClasses.ScriptClass::isModule)
                .orElse(false);
    }

    private static String label(Visit v) {
        return v.prefix().isEmpty() ? "(the root module)" : ScriptClasses.clip(v.prefix().substring(0,
                v.prefix().length() - 1));
    }

    private static String describe(PyValue v) {
        return v instanceof PyValue.Opaque o ? o.global() + " object" : v.getClass().getSimpleName();
    }

    private PtsafeException malformed(String message) {
        return new PtsafeException(Reason.MALFORMED_PICKLE, file, entry + ": " + message);
    }

    /** Names the tensors of {@code constants.pkl}'s tuple {@code CONSTANTS.c<i>}; other constants are not listed. */
    public static TensorTree.Naming constants(Path file, String entry) {
        return root -> {
            if (!(root instanceof PyValue.Tuple t)) {
                throw new PtsafeException(Reason.MALFORMED_PICKLE, file, entry + ": the constants are a "
                        + describe(root) + ", not a tuple (torch reads them with toTuple())");
            }
            List<Map.Entry<String, PyValue.TensorValue>> out = new ArrayList<>();
            for (int i = 0; i < t.items().size(); i++) {
                if (t.items().get(i) instanceof PyValue.TensorValue tv) {
                    out.add(Map.entry("CONSTANTS.c" + i, tv));
                }
            }
            return out;
        };
    }
}
