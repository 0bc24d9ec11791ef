package io.ptsafe.cli;

import io.ptsafe.FileFormat;
import io.ptsafe.PyValue;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A TensorFile of given tensors, for tests: the provider SPI is not exported to the CLI. */
record InMemoryFile(Path path, FileFormat format, List<Tensor> tensors, Map<String, String> metadata)
        implements TensorFile {
    InMemoryFile {
        tensors = List.copyOf(tensors);
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    @Override
    public Optional<Tensor> findTensor(String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    @Override
    public PyValue root() {
        Map<PyValue, PyValue> m = new LinkedHashMap<>();
        for (Tensor t : tensors) {
            m.put(new PyValue.Str(t.name()), new PyValue.TensorValue(t));
        }
        return new PyValue.Dict(m);
    }

    @Override
    public void close() {
    }
}
