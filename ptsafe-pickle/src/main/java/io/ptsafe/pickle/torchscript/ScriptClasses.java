package io.ptsafe.pickle.torchscript;

import io.ptsafe.Limit;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The classes a TorchScript archive's {@code code/} declares, read as text, never compiled: for
 * each class only its name, its base, its {@code __parameters__} and {@code __buffers__} lists and
 * whether it defines {@code __setstate__}. That is the type information torch's importer takes from
 * these lines (torch/csrc/jit/serialization/import_source.cpp, SourceImporterImpl::importClass: the
 * {@code __parameters__} and {@code __buffers__} assignments mark attributes as parameters and
 * buffers, which is what {@code state_dict()} lists), and what {@code torch.jit.save} writes
 * (torch/csrc/jit/serialization/python_print.cpp: {@code __parameters__ = ["weight", "bias", ]}).
 *
 * <p>A class's qualified name is its file's path under {@code code/} with "/" read as "." and
 * {@code .py} dropped, then the class name: {@code code/__torch__/torch/nn/modules/linear.py}
 * declares {@code __torch__.torch.nn.modules.linear.Linear}, as torch's
 * {@code findSourceInArchiveFromQualifier} finds sources. Only classes under {@code __torch__} are
 * kept: those are the names {@code torch.jit.save} gives scripted classes, and any other name would
 * be one the JIT also resolves against {@code code/}, so that {@code torch.x.y} could name a class
 * of the archive there and a function of torch elsewhere.
 *
 * <p>What is refused ({@link Reason#UNSUPPORTED_FORMAT}): a declaration line this reader cannot read
 * as the plain list {@code torch.jit.save} writes, a name declared twice, a class declared twice.
 * The number of classes is bounded by {@link LoadOptions#maxContainerItems()}.
 */
public final class ScriptClasses {
    /**
     * One class.
     *
     * @param name       the qualified name, {@code __torch__.torch.nn.modules.linear.Linear}
     * @param base       the base as written ({@code Module}, {@code NamedTuple} ...), or "" for none
     * @param parameters the attribute names in {@code __parameters__}, in order
     * @param buffers    the attribute names in {@code __buffers__}, in order
     * @param setState   whether the class defines {@code __setstate__}: its state is input to its code
     * @param entry      the zip entry that declares it
     * @param line       the line of its {@code class} statement, from 1
     */
    public record ScriptClass(String name, String base, List<String> parameters, List<String> buffers,
            boolean setState, String entry, int line) {
        /** {@return whether the class is a module ({@code class X(Module):}): its tensors are in state_dict} */
        public boolean isModule() {
            return base.equals("Module");
        }
    }

    private static final String IDENT = "[A-Za-z_][A-Za-z0-9_]*";
    private static final Pattern CLASS = Pattern.compile("class (" + IDENT + ")(?:\\((" + IDENT + "(?:\\." + IDENT
            + ")*)\\))?:");
    private static final Pattern NAMES = Pattern.compile("  (__parameters__|__buffers__) = \\[((?:\"[A-Za-z0-9_]+\", )*)\\]");
    private static final Pattern SEGMENT = Pattern.compile(IDENT);

    private final Path file;
    private final LoadOptions options;
    private final Map<String, ScriptClass> classes = new LinkedHashMap<>();

    /** An empty set of classes for the archive {@code file}. */
    public ScriptClasses(Path file, LoadOptions options) {
        this.file = file;
        this.options = options;
    }

    /**
     * The module qualifier a {@code code/} source declares, or null when {@code relative} is no
     * such source (another file, or a path segment that is no Python identifier: torch could never
     * look it up by a qualified name).
     *
     * @param relative the record's name under the archive's root, {@code code/__torch__/a.py}
     */
    public static String qualifier(String relative) {
        if (!relative.startsWith("code/") || !relative.endsWith(".py")) {
            return null;
        }
        String[] parts = relative.substring(5, relative.length() - 3).split("/", -1);
        for (String p : parts) {
            if (!SEGMENT.matcher(p).matches()) {
                return null;
            }
        }
        return String.join(".", parts);
    }

    /**
     * Reads the classes of one source.
     *
     * @param entry     the zip entry's name, for messages
     * @param qualifier its {@link #qualifier}
     * @param text      its text (UTF-8 decoded)
     */
    public void add(String entry, String qualifier, String text) throws PtsafeException {
        String[] lines = text.split("\n", -1);
        Open open = null;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (!line.isEmpty() && line.charAt(0) != ' ') {
                close(open);
                open = null;
                Matcher m = CLASS.matcher(line);
                if (m.matches()) {
                    open = new Open(qualifier + "." + m.group(1), m.group(2) == null ? "" : m.group(2), entry, i + 1);
                }
                continue;
            }
            if (open == null) {
                continue;
            }
            if (line.startsWith("  __parameters__") || line.startsWith("  __buffers__")) {
                Matcher m = NAMES.matcher(line);
                if (!m.matches()) {
                    throw unsupported(entry, i + 1, "a declaration ptsafe reads only as the plain list of names "
                            + "torch.jit.save writes: '" + clip(line.strip()) + "'");
                }
                List<String> names = m.group(1).equals("__parameters__") ? open.parameters : open.buffers;
                if (open.seen.put(m.group(1), Boolean.TRUE) != null) {
                    throw unsupported(entry, i + 1, m.group(1) + " of " + open.name + " declared twice");
                }
                for (String n : m.group(2).split(", ")) {
                    if (n.isEmpty()) {
                        continue;
                    }
                    String name = n.substring(1, n.length() - 1);
                    if (open.parameters.contains(name) || open.buffers.contains(name)) {
                        throw unsupported(entry, i + 1, "attribute '" + name + "' of " + open.name
                                + " declared twice as a parameter or buffer");
                    }
                    names.add(name);
                }
            } else if (line.startsWith("  def __setstate__(")) {
                open.setState = true;
            }
        }
        close(open);
    }

    private void close(Open open) throws PtsafeException {
        if (open == null) {
            return;
        }
        if (classes.containsKey(open.name)) {
            throw unsupported(open.entry, open.line, "class " + open.name + " is declared twice (also "
                    + classes.get(open.name).entry() + ", line " + classes.get(open.name).line() + ")");
        }
        if (!open.name.startsWith("__torch__.")) {
            return;
        }
        if (classes.size() + 1L > options.maxContainerItems()) {
            throw Limit.MAX_CONTAINER_ITEMS.exceeded(Reason.PICKLE_LIMIT, file, open.entry + ", line " + open.line
                    + ": TorchScript classes", classes.size() + 1L, options.maxContainerItems());
        }
        classes.put(open.name, new ScriptClass(open.name, open.base, List.copyOf(open.parameters),
                List.copyOf(open.buffers), open.setState, open.entry, open.line));
    }

    /** {@return the class of a qualified name, if {@code code/} declares it} */
    public Optional<ScriptClass> get(String name) {
        return Optional.ofNullable(classes.get(name));
    }

    /** {@return every class, in the order read} */
    public Map<String, ScriptClass> all() {
        return Collections.unmodifiableMap(classes);
    }

    private PtsafeException unsupported(String entry, int line, String message) {
        return new PtsafeException(Reason.UNSUPPORTED_FORMAT, file, entry + ", line " + line + ": " + message);
    }

    static String clip(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }

    /** A class being read. */
    private static final class Open {
        final String name;
        final String base;
        final String entry;
        final int line;
        final List<String> parameters = new ArrayList<>();
        final List<String> buffers = new ArrayList<>();
        final Map<String, Boolean> seen = new LinkedHashMap<>();
        boolean setState;

        Open(String name, String base, String entry, int line) {
            this.name = name;
            this.base = base;
            this.entry = entry;
            this.line = line;
        }
    }
}
