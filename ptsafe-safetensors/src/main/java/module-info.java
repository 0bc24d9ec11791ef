/** safetensors reading (memory-mapped, validated as strictly as the reference and more) and writing. */
module io.ptsafe.safetensors {
    requires transitive io.ptsafe.api;
    requires com.fasterxml.jackson.core;

    exports io.ptsafe.safetensors;

    provides io.ptsafe.spi.FormatProvider with
            io.ptsafe.safetensors.reader.ShardedProvider,
            io.ptsafe.safetensors.reader.SafetensorsProvider;
}
