/**
 * The {@code ptsafe} command: inspect, convert and verify model weight files. Command lines are
 * parsed with picocli's programmatic API (no annotations, so picocli never reflects on ptsafe's
 * classes).
 */
module io.ptsafe.cli {
    requires io.ptsafe.api;
    requires io.ptsafe.safetensors;
    requires io.ptsafe.pickle;
    requires info.picocli;
    requires com.fasterxml.jackson.core;
}
