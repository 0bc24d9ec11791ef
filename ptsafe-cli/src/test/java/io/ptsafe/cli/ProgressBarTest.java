package io.ptsafe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    @Test
    void drawsOnOneLineAndErasesItself() {
        StringWriter w = new StringWriter();
        ProgressBar bar = new ProgressBar(new PrintWriter(w), "converting");
        bar.onProgress(0, 200);
        bar.onProgress(1, 200); // drawn or not, depending on the clock (at most ten draws a second)
        bar.onProgress(200, 200); // the end is always drawn
        bar.clear();
        String s = w.toString();
        assertEquals(-1, s.indexOf('\n'), "never a new line");
        assertTrue(s.contains("  0% writing") && s.contains("100% verifying"), s);
        assertTrue(s.endsWith("\r"), s);
    }

    @Test
    void theCommandDrawsNothingWhenNotATerminal() {
        // CliRun passes progress=false, as Main does when stderr is not a terminal; a refusal prints one line only
        CliRun r = CliRun.of("convert", "missing.pt", "out.safetensors");
        assertEquals(1, r.err().lines().count(), r::toString);
        assertEquals(-1, r.err().indexOf('\r'));
    }
}
