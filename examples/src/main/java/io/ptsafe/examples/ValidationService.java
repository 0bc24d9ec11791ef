package io.ptsafe.examples;

import com.sun.net.httpserver.HttpServer;
import io.ptsafe.LoadOptions;
import io.ptsafe.scan.UploadScanner;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Example 3: an HTTP service that validates uploaded model files with {@link UploadScanner} and keeps
 * only the safe ones.
 *
 * <pre>
 *   ValidationService [PORT [FOLDER [MAX_UPLOAD_BYTES]]]      (defaults: 8080, ./ptsafe-uploads, 512 MiB)
 *   curl --data-binary @samples/mlp.pt http://127.0.0.1:8080/scan
 * </pre>
 *
 * {@code POST /scan} with the file as the request body (any name, any Content-Type: the format is
 * read from the bytes). The answer is the scan's JSON report ({@link io.ptsafe.scan.ScanReports#writeJson},
 * schema {@code docs/scan-report.schema.json}) with the verdict also in the {@code X-Ptsafe-Verdict}
 * header:
 * <ul>
 *   <li>{@code 200} SAFE: the file is kept in {@code FOLDER/accepted/<sha256>}, named by the SHA-256
 *       of its bytes (never by anything the client sends), given in {@code X-Ptsafe-Stored};</li>
 *   <li>{@code 422} UNSAFE or INVALID: the file is deleted before the answer is sent;</li>
 *   <li>{@code 413} over MAX_UPLOAD_BYTES: refused from its Content-Length before any byte of the body is
 *       read, or, when the length is not declared (chunked), as soon as the limit is passed; what was
 *       written is deleted. The server then reads and discards at most 4 MiB more of the body before
 *       closing the connection, so that a client still sending reads the 413 rather than a reset;</li>
 *   <li>{@code 404} other paths, {@code 405} other methods.</li>
 * </ul>
 *
 * <p>Each upload goes through {@link UploadScanner}: streamed (never held in memory) into an owner-only
 * file under {@code FOLDER/quarantine} and scanned as content, so a sharded index uploaded alone
 * names no other file (it is INVALID). A file leaves quarantine only by an atomic move into
 * {@code accepted} after a SAFE verdict; everything else (UNSAFE, INVALID, over the limit, a client
 * that went away midway, a full disk) is deleted before the answer is sent, and leftovers of a crash
 * are deleted at start. The report's {@code path} is {@code "upload"}: nothing the client sends is
 * used as a name.
 *
 * <p>The server listens on the loopback address only, and handles at most {@value #WORKERS}
 * uploads at a time (so at most that many times MAX_UPLOAD_BYTES of disk); more wait for a worker.
 * Put it behind a reverse proxy, with its own timeouts, before exposing it. The JDK server's own
 * timeouts are {@code -Dsun.net.httpserver.maxReqTime=SECONDS} (to receive a request) and
 * {@code maxRspTime} (to answer it); {@link #main} sets both to 60 s unless given, so a client that
 * stalls cannot hold a worker for ever.
 */
public final class ValidationService implements AutoCloseable {
    /** Uploads handled at once. */
    static final int WORKERS = 4;
    /** Default largest upload: 512 MiB. */
    static final long DEFAULT_MAX_UPLOAD = 512L << 20;

    private final HttpServer server;
    private final ExecutorService workers;
    private final Path quarantine;
    private final Path accepted;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ValidationService(HttpServer server, ExecutorService workers, Path quarantine, Path accepted) {
        this.server = server;
        this.workers = workers;
        this.quarantine = quarantine;
        this.accepted = accepted;
    }

    /**
     * Starts the service on the loopback address.
     *
     * @param port      the port, or 0 for any free one (see {@link #uri()})
     * @param folder    where {@code quarantine/} and {@code accepted/} are created
     * @param maxUpload the largest upload accepted, in bytes
     * @param options   limits for scanning (as for opening)
     */
    public static ValidationService start(int port, Path folder, long maxUpload, LoadOptions options) throws IOException {
        if (maxUpload <= 0) {
            throw new IllegalArgumentException("maxUpload must be positive: " + maxUpload);
        }
        UploadScanner uploads = UploadScanner.create(folder.resolve("quarantine"), folder.resolve("accepted"),
                options.toBuilder().maxStreamBytes(maxUpload).build());
        uploads.deleteLeftovers();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
        server.setExecutor(workers);
        server.createContext(UploadHandler.PATH, new UploadHandler(uploads, maxUpload));
        server.start();
        return new ValidationService(server, workers, uploads.quarantine(), uploads.store());
    }

    /** The URL to POST files to. */
    public URI uri() {
        InetSocketAddress a = server.getAddress();
        return URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + UploadHandler.PATH);
    }

    /** Where uploads wait for their verdict. */
    public Path quarantine() {
        return quarantine;
    }

    /** Where SAFE uploads are kept. */
    public Path accepted() {
        return accepted;
    }

    /**
     * Stops listening, lets running uploads finish (up to a second for the server, ten more for the
     * workers, which then are interrupted), and stops the workers.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop(1);
        workers.shutdown();
        try {
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    public static void main(String[] args) throws Exception {
        // Read once by the JDK server, so set before it starts.
        for (String timeout : new String[] {"sun.net.httpserver.maxReqTime", "sun.net.httpserver.maxRspTime"}) {
            if (System.getProperty(timeout) == null) {
                System.setProperty(timeout, "60");
            }
        }
        ValidationService service = launch(args, System.out, System.err);
        if (service == null) {
            System.exit(2);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }));
        stopped.await();
    }

    /** Parses the arguments, starts the service and says how to use it; null (after a message) on bad usage. */
    static ValidationService launch(String[] args, PrintStream out, PrintStream err) throws IOException {
        int port;
        long maxUpload;
        try {
            if (args.length > 3) {
                throw new IllegalArgumentException("too many arguments");
            }
            port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
            maxUpload = args.length > 2 ? Long.parseLong(args[2]) : DEFAULT_MAX_UPLOAD;
            if (port < 0 || port > 65535 || maxUpload <= 0) {
                throw new IllegalArgumentException("port or size out of range");
            }
        } catch (IllegalArgumentException e) {
            err.println("usage: ValidationService [PORT [FOLDER [MAX_UPLOAD_BYTES]]] (" + e.getMessage() + ")");
            return null;
        }
        Path folder = Path.of(args.length > 1 ? args[1] : "ptsafe-uploads");
        ValidationService s = start(port, folder, maxUpload, LoadOptions.defaults());
        out.println("ptsafe validation service on " + s.uri() + " (loopback only), uploads up to " + maxUpload + " bytes");
        out.println("  quarantine " + s.quarantine().toAbsolutePath());
        out.println("  accepted   " + s.accepted().toAbsolutePath());
        out.println("try: curl -s --data-binary @samples/mlp.pt " + s.uri());
        return s;
    }
}
