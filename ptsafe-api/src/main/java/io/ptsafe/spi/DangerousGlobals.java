package io.ptsafe.spi;

import java.util.List;
import java.util.Optional;

/**
 * The families of pickle globals that are code-execution entry points. ptsafe never calls any
 * global; this list exists so the scanner can say which unknown names are known to be dangerous, and
 * so {@link io.ptsafe.LoadOptions#inertGlobals()} can refuse them at configuration time.
 */
public final class DangerousGlobals {
    /** Whole modules (and their submodules) whose every name is treated as dangerous. */
    public static final List<String> MODULES = List.of(
            "os", "posix", "nt", "subprocess", "sys", "importlib", "runpy", "pickle", "_pickle", "cPickle",
            "marshal", "dill", "shutil", "socket", "ctypes", "pip", "webbrowser", "code", "codeop", "pty",
            "commands", "multiprocessing", "asyncio", "threading", "_thread", "signal", "types", "inspect",
            "pdb", "bdb", "timeit", "profile", "cProfile", "trace", "tempfile", "pathlib", "io", "_io",
            "urllib", "http", "requests", "ftplib", "smtplib", "telnetlib", "xmlrpc", "setuptools",
            "distutils", "pkgutil", "zipimport", "imp", "platform", "venv", "ensurepip", "site", "builtins",
            "__builtin__", "operator", "functools", "torch.hub", "torch.jit", "torch._C", "torch.ops",
            "torch.package", "torch.utils.cpp_extension", "torch.serialization", "numpy.testing", "uuid",
            "glob", "fileinput", "linecache", "zipfile", "tarfile", "shelve", "dbm", "sqlite3", "ssl",
            "select", "selectors", "mmap", "resource", "fcntl", "termios", "gc", "weakref", "copyreg",
            "_posixsubprocess", "_winapi", "msvcrt", "winreg", "ntpath", "posixpath", "genericpath");

    private DangerousGlobals() {
    }

    /**
     * The family {@code global} ({@code module.qualname}) belongs to, or empty if it is in none.
     * A submodule counts: {@code os.path.join} is in {@code os}.
     *
     * @param global a global's full name, {@code module.qualname}, such as {@code os.system}
     * @return the entry of {@link #MODULES} it falls under, or empty
     */
    public static Optional<String> familyOf(String global) {
        for (String m : MODULES) {
            if (global.equals(m) || global.startsWith(m + ".")) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }
}
