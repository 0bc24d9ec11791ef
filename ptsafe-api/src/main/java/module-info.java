/**
 * The ptsafe API: {@link io.ptsafe.SafeLoader} opens model weight files through the format providers
 * found on the module path (or class path), and nothing in a file can make it execute code;
 * {@link io.ptsafe.SafeLoader#scan} reports on a file without loading it ({@link io.ptsafe.scan}).
 */
@SuppressWarnings("module") // "module not found": the modules the SPI is exported to are built after this one
module io.ptsafe.api {
    requires com.fasterxml.jackson.core;
    requires org.apache.commons.compress;
    // commons-compress reads .xz through it; its own requires is static
    requires org.tukaani.xz;

    exports io.ptsafe;
    exports io.ptsafe.scan;
    // The provider SPI is for ptsafe's own format modules: third-party formats are not a goal of 1.0.
    exports io.ptsafe.spi to io.ptsafe.safetensors, io.ptsafe.pickle;
    // Spool: the command's standard input is copied to a file as the library copies a stream.
    exports io.ptsafe.internal to io.ptsafe.cli;

    uses io.ptsafe.spi.FormatProvider;
}
