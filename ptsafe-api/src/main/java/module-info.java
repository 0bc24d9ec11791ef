/**
 * The ptsafe API: {@link io.ptsafe.SafeLoader} opens model weight files through the format providers
 * found on the module path (or class path), and nothing in a file can make it execute code;
 * {@link io.ptsafe.SafeLoader#scan} reports on a file without loading it.
 */
module io.ptsafe.api {
    requires com.fasterxml.jackson.core;
    requires org.apache.commons.compress;
    // commons-compress reads .xz through it; its own requires is static
    requires org.tukaani.xz;

    exports io.ptsafe;
    exports io.ptsafe.scan;
    exports io.ptsafe.spi;

    uses io.ptsafe.spi.FormatProvider;
}
