package io.ptsafe.examples;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.ptsafe.LimitExceededException;
import io.ptsafe.scan.ScanReports;
import io.ptsafe.scan.UploadScanner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** {@code POST /scan}: one upload through {@link UploadScanner}: kept only if SAFE. See {@link ValidationService}. */
final class UploadHandler implements HttpHandler {
    static final String PATH = "/scan";
    /** What reports call an upload: nothing the client sends reaches the disk or the report. */
    static final String UPLOAD_NAME = "upload";
    private static final int CHUNK = 64 * 1024;
    /** The most of a refused body read (and discarded) so the client can read its 413; see {@link #linger}. */
    static final long LINGER_BYTES = 4L << 20;

    private final UploadScanner uploads;
    private final long maxUpload;

    UploadHandler(UploadScanner uploads, long maxUpload) {
        this.uploads = uploads;
        this.maxUpload = maxUpload;
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
        UploadScanner.Upload upload;
        try {
            // Streamed to quarantine, scanned, kept only if SAFE; nothing is left behind on any path,
            // a client that goes away midway included (the IOException then ends the exchange).
            upload = uploads.scan(exchange.getRequestBody(), UPLOAD_NAME);
        } catch (LimitExceededException e) {
            return tooLarge();
        }
        exchange.getResponseHeaders().set("X-Ptsafe-Verdict", upload.verdict().name());
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        ScanReports.writeJson(List.of(upload.report()), json);
        if (upload.stored().isEmpty()) {
            return new Answer(422, "application/json", json.toByteArray());
        }
        exchange.getResponseHeaders().set("X-Ptsafe-Stored", upload.sha256());
        return new Answer(200, "application/json", json.toByteArray());
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
}
