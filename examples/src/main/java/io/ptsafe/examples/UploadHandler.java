package io.ptsafe.examples;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.ptsafe.LoadOptions;
import io.ptsafe.SafeLoader;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanReports;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** {@code POST /scan}: receives one upload into quarantine, scans it, keeps it only if SAFE. See {@link ValidationService}. */
final class UploadHandler implements HttpHandler {
    static final String PATH = "/scan";
    /** Prefix of each upload's own folder in quarantine; also how leftovers are recognised at start. */
    static final String UPLOAD_DIR_PREFIX = "upload-";
    private static final String UPLOAD_FILE = "upload";
    private static final int CHUNK = 64 * 1024;
    /** The most of a refused body read (and discarded) so the client can read its 413; see {@link #linger}. */
    static final long LINGER_BYTES = 4L << 20;

    private final Path quarantine;
    private final Path accepted;
    private final long maxUpload;
    private final LoadOptions options;

    UploadHandler(Path quarantine, Path accepted, long maxUpload, LoadOptions options) {
        this.quarantine = quarantine;
        this.accepted = accepted;
        this.maxUpload = maxUpload;
        this.options = options;
    }

    /** An answer decided before it is sent, so the quarantine is clean by the time the client reads it. */
    private record Answer(int status, String contentType, byte[] body) {
        static Answer error(int status, String message) {
            // The messages are fixed text and numbers: nothing from the request needs escaping.
            return new Answer(status, "application/json", ("{\"error\": \"" + message + "\"}\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Answer answer = answer(exchange);
            Headers h = exchange.getResponseHeaders();
            h.set("Content-Type", answer.contentType());
            if (answer.status() == 413) {
                // The rest of the body is not read: the connection cannot carry another request.
                h.set("Connection", "close");
            }
            exchange.sendResponseHeaders(answer.status(), answer.body().length);
            OutputStream out = exchange.getResponseBody();
            out.write(answer.body());
            if (answer.status() == 413) {
                out.flush();
                linger(exchange.getRequestBody());
            }
        }
    }

    /**
     * Reads and discards up to {@link #LINGER_BYTES} more of a refused body before the connection is
     * closed. Closing a socket with unread data makes the kernel send a reset, and a client still
     * sending then often loses the 413 it was sent; discarding a bounded amount gives it time to
     * read the answer (the same reason for nginx's lingering_close). Nothing is kept.
     */
    private static void linger(InputStream body) {
        byte[] sink = new byte[CHUNK];
        long left = LINGER_BYTES;
        try {
            for (int n; left > 0 && (n = body.read(sink, 0, (int) Math.min(sink.length, left))) != -1; ) {
                left -= n;
            }
        } catch (IOException e) {
            // The client gave up: nothing more to do.
        }
    }

    private Answer answer(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestURI().getPath().equals(PATH)) {
            return Answer.error(404, "not found: POST the file to " + PATH);
        }
        if (!exchange.getRequestMethod().equals("POST")) {
            exchange.getResponseHeaders().set("Allow", "POST");
            return Answer.error(405, "method not allowed: POST the file to " + PATH);
        }
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null && declaredLength(declared) > maxUpload) {
            return tooLarge();
        }
        Path dir = Files.createTempDirectory(quarantine, UPLOAD_DIR_PREFIX);
        Path file = dir.resolve(UPLOAD_FILE);
        try {
            String sha256 = receive(exchange.getRequestBody(), file);
            if (sha256 == null) {
                return tooLarge();
            }
            ScanReport report = SafeLoader.scan(file, options);
            exchange.getResponseHeaders().set("X-Ptsafe-Verdict", report.verdict().name());
            ByteArrayOutputStream json = new ByteArrayOutputStream();
            ScanReports.writeJson(List.of(report), json);
            if (report.verdict() != ScanReport.Verdict.SAFE) {
                return new Answer(422, "application/json", json.toByteArray());
            }
            // Named by content: the same file uploaded twice is kept once, and no client-chosen name reaches the disk.
            Files.move(file, accepted.resolve(sha256), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            exchange.getResponseHeaders().set("X-Ptsafe-Stored", sha256);
            return new Answer(200, "application/json", json.toByteArray());
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    private long declaredLength(String header) {
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            // The JDK server has already refused such a request; a long overflow lands here too.
            return Long.MAX_VALUE;
        }
    }

    private Answer tooLarge() {
        return Answer.error(413, "upload larger than " + maxUpload + " bytes");
    }

    /** Streams the body into {@code file}; its SHA-256, or null as soon as it passes {@code maxUpload}. */
    private String receive(InputStream body, Path file) throws IOException {
        MessageDigest sha256 = sha256();
        byte[] buffer = new byte[CHUNK];
        long total = 0;
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int n; (n = body.read(buffer)) != -1; ) {
                total += n;
                if (total > maxUpload) {
                    return null;
                }
                sha256.update(buffer, 0, n);
                out.write(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Deletes the upload folders a previous run left behind (a crash between receiving and deciding). */
    static void deleteLeftovers(Path quarantine) throws IOException {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(quarantine, UPLOAD_DIR_PREFIX + "*")) {
            for (Path dir : dirs) {
                Files.deleteIfExists(dir.resolve(UPLOAD_FILE));
                Files.deleteIfExists(dir);
            }
        }
    }
}
