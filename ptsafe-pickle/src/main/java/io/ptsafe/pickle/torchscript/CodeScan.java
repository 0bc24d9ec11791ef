package io.ptsafe.pickle.torchscript;

import io.ptsafe.scan.ScanFinding.Location;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lists what a TorchScript archive's {@code code/} sources call, reading the text as data (a
 * token match on each line, string literals and comments blanked first; nothing is parsed as a
 * program, let alone compiled). {@code torch.jit.save} prints operators as {@code torch.<name>(...)}
 * for {@code aten::<name>}, {@code ops.<namespace>.<name>(...)} for other namespaces
 * ({@code ops.prim.RaiseException}, {@code ops.quantized.linear}, a library's own
 * {@code ops.my_lib.op}), and a few builtins bare ({@code print}, {@code getattr}, {@code fork} ...)
 * (torch/csrc/jit/serialization/python_print.cpp).
 *
 * <p>Each operator is reported once ({@link ScanRule#TORCHSCRIPT_OPERATOR}, a note) at its first
 * call with the number of calls; each call to an operator that reaches the system is reported at
 * its file and line ({@link ScanRule#TORCHSCRIPT_SYSTEM_ACCESS}): see {@link #systemAccess}.
 */
public final class CodeScan {
    private static final Pattern CALL = Pattern.compile(
            "(?<![A-Za-z0-9_.])(torch(?:\\.[A-Za-z_][A-Za-z0-9_]*)+|ops\\.[A-Za-z_][A-Za-z0-9_]*\\.[A-Za-z_][A-Za-z0-9_]*"
            + "|[A-Za-z_][A-Za-z0-9_]*)\\s*\\(");
    /** Builtins python_print writes bare; other bare calls are the code's own functions and classes. */
    static final Set<String> BUILTINS = Set.of("print", "getattr", "hasattr", "isinstance", "annotate",
            "unchecked_cast", "uninitialized", "fork", "wait", "range", "len", "int", "float", "str", "bool", "complex",
            "min", "max", "abs", "round", "ord", "chr", "hex", "oct", "bin", "divmod", "enumerate", "zip", "list",
            "dict", "sorted", "all", "any", "sum", "awaitable", "awaitable_wait", "interface");
    /** Namespaces of torch's own operators; any other is a custom library's, whose code can do anything. */
    static final Set<String> TORCH_NAMESPACES = Set.of("aten", "prim", "quantized", "_quantized", "prepacked",
            "cuda", "profiler", "_caffe2", "mkldnn", "mkldnn_prepacked", "_test");
    /** prim:: operators that only compute, check or raise; every other prim:: operator is flagged. */
    static final Set<String> SAFE_PRIM = Set.of("RaiseException", "Uninitialized", "unchecked_unwrap_optional",
            "unchecked_cast", "NumToTensor", "ImplicitTensorToNum", "dtype", "device", "layout", "is_cuda", "data",
            "shape", "min", "max", "abs", "TupleIndex", "rangelist", "Print", "isinstance", "requires_grad", "grad",
            "name", "index", "type", "is_nested", "is_sparse", "is_quantized", "is_meta", "is_mkldnn", "is_vulkan",
            "is_xpu", "is_ipu", "is_mps", "is_ort", "AutogradZero", "AutogradAdd", "AutogradAnyNonZero",
            "AutogradAllZero", "AutogradAllNonZero", "EnumName", "EnumValue", "StringIndex", "tolist");
    /** aten:: (and quantized) operators that read or write files. */
    static final Set<String> FILE_OPS = Set.of("save", "load", "from_file", "_save_for_mobile", "_load_for_mobile",
            "pickle_save", "pickle_load", "_pickle_save", "_pickle_load", "_save_parameters", "_load_parameters");
    /** Words in an operator's name that mean files, pickles, the network or processes. */
    private static final Pattern SYSTEM_WORDS = Pattern.compile(
            "(?i)file|pickle|socket|url|http|download|exec|system|popen|spawn|subprocess|shell|rpc|remote|"
            + "serializ|mmap|open");

    private final ScanReport.Builder report;
    private final Map<String, Seen> seen = new LinkedHashMap<>();

    private static final class Seen {
        final String entry;
        final int line;
        final String written;
        long calls;

        Seen(String entry, int line, String written) {
            this.entry = entry;
            this.line = line;
            this.written = written;
        }
    }

    /** Reports into {@code report}. */
    public CodeScan(ScanReport.Builder report) {
        this.report = report;
    }

    /** Scans one source. */
    public void scan(String entry, String text) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher m = CALL.matcher(blank(lines[i]));
            while (m.find()) {
                String written = m.group(1);
                String op = operator(written);
                if (op == null) {
                    continue;
                }
                int line = i + 1;
                Seen s = seen.computeIfAbsent(op, k -> new Seen(entry, line, written));
                s.calls++;
                String why = systemAccess(op);
                if (why != null) {
                    report.add(ScanRule.TORCHSCRIPT_SYSTEM_ACCESS, Location.entry(entry, -1), "line " + (i + 1) + ": "
                            + written + " (" + op + ") " + why);
                }
            }
        }
    }

    /** Reports each operator once, with its first call and its count. */
    public void finish() {
        seen.forEach((op, s) -> report.add(ScanRule.TORCHSCRIPT_OPERATOR, Location.entry(s.entry, -1), op
                + " called " + s.calls + (s.calls == 1 ? " time" : " times") + ", first at line " + s.line + " ("
                + s.written + ")"));
    }

    /** The operator a call names ({@code aten::linear}, {@code prim::RaiseException}, {@code builtin print}), or null. */
    static String operator(String written) {
        if (written.startsWith("ops.")) {
            String[] p = written.split("\\.");
            return p[1] + "::" + p[2];
        }
        if (written.startsWith("torch.")) {
            String rest = written.substring(6);
            return rest.contains(".") ? written : "aten::" + rest;
        }
        return BUILTINS.contains(written) ? "builtin " + written : null;
    }

    /**
     * Why an operator reaches the system, or null: aten (and other torch namespaces') file operators
     * ({@link #FILE_OPS}); operators in a custom namespace (native code of a library torch loads);
     * {@code prim::} operators outside {@link #SAFE_PRIM}; {@code torch.<module>.<name>} calls into
     * torch's Python modules (distributed, rpc, ...); and any operator whose name speaks of files,
     * pickles, sockets, URLs, processes or RPC.
     */
    static String systemAccess(String op) {
        if (op.startsWith("builtin ")) {
            return null;
        }
        int sep = op.indexOf("::");
        String ns = sep < 0 ? "torch" : op.substring(0, sep);
        String name = sep < 0 ? op : op.substring(sep + 2);
        if (FILE_OPS.contains(name) && !ns.equals("prim")) {
            return "reads or writes files";
        }
        if (SYSTEM_WORDS.matcher(name).find()) {
            return "names files, pickles, the network or processes";
        }
        if (sep < 0) {
            return "calls into a torch module other than its operators";
        }
        if (ns.equals("prim") && !SAFE_PRIM.contains(name)) {
            return "is a prim:: operator outside the reviewed list (interpreter escapes: calls, Python, RPC)";
        }
        if (!TORCH_NAMESPACES.contains(ns)) {
            return "is in the custom operator namespace '" + ns + "', native code a library registers, which can do "
                    + "anything";
        }
        return null;
    }

    /** The line with string literals' contents and any comment blanked, so that text in them is never matched. */
    static String blank(String line) {
        StringBuilder sb = new StringBuilder(line.length());
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == '\\' && i + 1 < line.length()) {
                    sb.append("  ");
                    i++;
                } else if (c == quote) {
                    quote = 0;
                    sb.append(c);
                } else {
                    sb.append(' ');
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                sb.append(c);
            } else if (c == '#') {
                break;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
