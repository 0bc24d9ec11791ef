package io.ptsafe.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LoadOptions;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real HTTP requests to the service on the loopback address, port 0. */
class ValidationServiceTest {
    private static final long MAX_UPLOAD = 64 * 1024;
    private static final String MALICIOUS = "ptsafe-pickle/src/test/resources/torch/malicious/zip_os_system_reduce.pt";

    @TempDir
    Path folder;
    private ValidationService service;
    private HttpClient client;

    @BeforeEach
    void start() throws IOException {
        service = ValidationService.start(0, folder, MAX_UPLOAD, LoadOptions.defaults());
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterEach
    void stop() {
        client.close();
        service.close();
    }

    @Test
    void aRealCheckpointIsSafeAndKeptUnderItsSha256() throws Exception {
        byte[] model = Files.readAllBytes(Repo.file("samples/mlp.pt"));
        HttpResponse<String> r = post(HttpRequest.BodyPublishers.ofByteArray(model));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("SAFE", r.headers().firstValue("X-Ptsafe-Verdict").orElseThrow());
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("application/json"));
        assertTrue(r.body().contains("\"format\" : \"ptsafe-scan-report\""), r.body());
        assertTrue(r.body().contains("\"verdict\" : \"SAFE\""), r.body());

        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(model));
        assertEquals(sha, r.headers().firstValue("X-Ptsafe-Stored").orElseThrow());
        assertEquals(List.of(service.accepted().resolve(sha)), list(service.accepted()));
        assertArrayEquals(model, Files.readAllBytes(service.accepted().resolve(sha)));
        assertEquals(List.of(), list(service.quarantine()));
    }

    @Test
    void aSafetensorsFileIsSafeToo() throws Exception {
        HttpResponse<String> r = post(HttpRequest.BodyPublishers.ofFile(
                Repo.file("ptsafe-safetensors/src/test/resources/safetensors/djl.safetensors")));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"container\" : \"SAFETENSORS\""), r.body());
        assertEquals(1, list(service.accepted()).size());
    }

    @Test
    void aMaliciousCheckpointIsUnsafeAndNothingIsKept() throws Exception {
        HttpResponse<String> r = post(HttpRequest.BodyPublishers.ofFile(Repo.file(MALICIOUS)));
        assertEquals(422, r.statusCode(), r.body());
        assertEquals("UNSAFE", r.headers().firstValue("X-Ptsafe-Verdict").orElseThrow());
        assertTrue(r.body().contains("\"verdict\" : \"UNSAFE\""), r.body());
        // The report names the global and where it is: what a reviewer of the rejected upload needs.
        assertTrue(r.body().contains("\"rule\" : \"dangerous-global\""), r.body());
        assertTrue(r.body().contains("\"resolved\" : \"posix.system\""), r.body());
        assertTrue(r.body().contains("\"entry\" : \"zip_os_system_reduce/data.pkl\""), r.body());
        assertTrue(r.headers().firstValue("X-Ptsafe-Stored").isEmpty());
        assertEquals(List.of(), list(service.accepted()));
        assertEquals(List.of(), list(service.quarantine()));
    }

    @Test
    void garbageIsInvalidAndNothingIsKept() throws Exception {
        HttpResponse<String> r = post(HttpRequest.BodyPublishers.ofString("this is not a model file"));
        assertEquals(422, r.statusCode(), r.body());
        assertEquals("INVALID", r.headers().firstValue("X-Ptsafe-Verdict").orElseThrow());
        assertEquals(List.of(), list(service.accepted()));
        assertEquals(List.of(), list(service.quarantine()));
    }

    @Test
    void anOversizeUploadIs413AndNothingIsKept() throws Exception {
        // Far more than the limit, and more than the server discards while the client reads its answer.
        HttpResponse<String> r = post(HttpRequest.BodyPublishers.ofByteArray(new byte[16 << 20]));
        assertEquals(413, r.statusCode(), r.body());
        assertTrue(r.body().contains("upload larger than " + MAX_UPLOAD + " bytes"), r.body());
        assertEquals(List.of(), list(service.quarantine()));
        assertEquals(List.of(), list(service.accepted()));
    }

    @Test
    void aDeclaredOversizeUploadIs413BeforeAnyByteOfItsBodyIsSent() throws IOException {
        // A raw client that declares 1 GiB and sends nothing: the answer cannot depend on the body.
        try (Socket s = new Socket(service.uri().getHost(), service.uri().getPort())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("POST /scan HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + (1L << 30)
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            assertEquals("HTTP/1.1 413 Request Entity Too Large", status);
        }
        assertEquals(List.of(), list(service.quarantine()));
    }

    @Test
    void anUndeclaredOversizeUploadIs413AsSoonAsItPassesTheLimit() throws Exception {
        // ofInputStream has no length: the request is chunked, and the limit is found while streaming.
        byte[] body = new byte[(int) MAX_UPLOAD * 3];
        HttpResponse<String> r = post(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));
        assertEquals(413, r.statusCode(), r.body());
        assertEquals(List.of(), list(service.quarantine()));
        assertEquals(List.of(), list(service.accepted()));
    }

    @Test
    void anUploadOfExactlyTheLimitIsScanned() throws Exception {
        HttpResponse<String> r = post(HttpRequest.BodyPublishers.ofByteArray(new byte[(int) MAX_UPLOAD]));
        assertEquals(422, r.statusCode(), r.body());
        assertEquals("INVALID", r.headers().firstValue("X-Ptsafe-Verdict").orElseThrow());
    }

    /**
     * Issue 16: 32 uploads at once over loopback, eight of each kind: good (a torch checkpoint and a
     * safetensors file, alternately), malicious, oversize (chunked, so found while streaming), and
     * truncated (a raw client that declares the length, sends half, and closes the connection).
     * Exactly the good ones are kept, each once, under its SHA-256; no file is left in quarantine.
     */
    @Test
    void concurrentUploadsKeepExactlyTheSafeOnes() throws Exception {
        byte[] torch = Files.readAllBytes(Repo.file("samples/mlp.pt"));
        byte[] safetensors = Files.readAllBytes(Repo.file("ptsafe-safetensors/src/test/resources/safetensors/djl.safetensors"));
        byte[] malicious = Files.readAllBytes(Repo.file(MALICIOUS));
        List<java.util.concurrent.Callable<String>> uploads = new java.util.ArrayList<>();
        for (int i = 0; i < 32; i++) {
            int n = i;
            uploads.add(() -> switch (n % 4) {
                case 0 -> status(post(HttpRequest.BodyPublishers.ofByteArray(n % 8 == 0 ? torch : safetensors)));
                case 1 -> status(post(HttpRequest.BodyPublishers.ofByteArray(malicious)));
                case 2 -> status(post(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(new byte[(int) MAX_UPLOAD * 2]))));
                default -> truncated(torch);
            });
        }
        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(32);
        List<String> results = new java.util.ArrayList<>();
        try {
            for (var f : clients.invokeAll(uploads)) {
                results.add(f.get());
            }
        } finally {
            clients.shutdown();
        }
        // Waits for the handlers still running (a truncated upload's has no client to answer).
        service.close();
        for (int i = 0; i < 32; i++) {
            assertEquals(List.of("200 SAFE", "422 UNSAFE", "413", "closed").get(i % 4), results.get(i), "upload " + i);
        }
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(torch));
        String sha2 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(safetensors));
        assertEquals(new java.util.TreeSet<>(List.of(service.accepted().resolve(sha), service.accepted().resolve(sha2))),
                new java.util.TreeSet<>(list(service.accepted())));
        assertArrayEquals(torch, Files.readAllBytes(service.accepted().resolve(sha)));
        assertEquals(List.of(), list(service.quarantine()));
    }

    private static String status(HttpResponse<String> r) {
        return (r.statusCode() + " " + r.headers().firstValue("X-Ptsafe-Verdict").orElse("")).strip();
    }

    /** Declares the whole file, sends half of it, and closes the connection. */
    private String truncated(byte[] file) throws IOException {
        try (Socket s = new Socket(service.uri().getHost(), service.uri().getPort())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /scan HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + file.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(file, 0, file.length / 2);
            out.flush();
        }
        return "closed";
    }

    @Test
    void otherMethodsAndPathsAreRefused() throws Exception {
        HttpResponse<String> get = client.send(HttpRequest.newBuilder(service.uri()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());
        assertEquals("POST", get.headers().firstValue("Allow").orElseThrow());
        for (String path : new String[] {"/scan/other", "/"}) {
            HttpResponse<String> elsewhere = client.send(HttpRequest.newBuilder(service.uri().resolve(path))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, elsewhere.statusCode(), path);
        }
        assertEquals(List.of(), list(service.quarantine()));
    }

    @Test
    void itListensOnTheLoopbackAddressOnly() {
        assertEquals("127.0.0.1", service.uri().getHost());
    }

    @Test
    void leftoversOfACrashAreDeletedAtStart() throws IOException {
        service.close();
        Files.writeString(service.quarantine().resolve("upload-crashed.part"), "half an upload");
        service = ValidationService.start(0, folder, MAX_UPLOAD, LoadOptions.defaults());
        assertEquals(List.of(), list(service.quarantine()));
    }

    @Test
    void mainStartsItAndSaysHowToUseIt() throws Exception {
        service.close();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        service = ValidationService.launch(new String[] {"0", folder.toString(), "1000"}, new PrintStream(out, true),
                new PrintStream(OutputStream.nullOutputStream()));
        assertNotNull(service);
        assertTrue(out.toString().contains("curl -s --data-binary @samples/mlp.pt " + service.uri()), out.toString());
        assertEquals(413, post(HttpRequest.BodyPublishers.ofByteArray(new byte[1001])).statusCode());
        assertNull(ValidationService.launch(new String[] {"not-a-port"}, new PrintStream(OutputStream.nullOutputStream()),
                new PrintStream(OutputStream.nullOutputStream())));
    }

    private HttpResponse<String> post(HttpRequest.BodyPublisher body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(service.uri()).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/octet-stream").POST(body).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static List<Path> list(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
