package io.ptsafe.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import io.ptsafe.Quantization;
import io.ptsafe.Tensor;
import java.io.IOException;

/**
 * A tensor's quantization as inspect's JSON prints it, with the names torch's accessors use:
 * {@code {"scheme", "scale", "zero_point"}} per tensor, {@code {"scheme", "axis", "channels",
 * "scales", "zero_points"}} per channel.
 */
final class QuantizationJson {
    /**
     * Per-channel values are listed up to this many channels: a file can give a tensor a huge channel
     * count cheaply (a stride-0 view), and the lists would then be read into memory and printed.
     */
    static final long MAX_LISTED_CHANNELS = 1 << 16;

    private QuantizationJson() {
    }

    static void write(Quantization q, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("scheme", q.scheme());
        switch (q) {
            case Quantization.PerTensorAffine p -> {
                g.writeNumberField("scale", p.scale());
                g.writeNumberField("zero_point", p.zeroPoint());
            }
            case Quantization.PerChannelAffine p -> {
                g.writeNumberField("axis", p.axis());
                g.writeNumberField("channels", p.channels());
                if (p.channels() <= MAX_LISTED_CHANNELS) {
                    g.writeFieldName("scales");
                    doubles(p.scales(), g);
                    g.writeFieldName("zero_points");
                    if (p.floatQParams()) {
                        doubles(p.zeroPoints(), g);
                    } else {
                        long[] z = new long[(int) p.channels()];
                        p.zeroPoints().copyInto(z, 0);
                        g.writeArray(z, 0, z.length);
                    }
                }
            }
        }
        g.writeEndObject();
    }

    /** F64 or F32 values, F32 widened exactly to double (what torch's tolist() prints). */
    private static void doubles(Tensor t, JsonGenerator g) throws IOException {
        double[] v = t.toDoubleArray();
        g.writeArray(v, 0, v.length);
    }
}
