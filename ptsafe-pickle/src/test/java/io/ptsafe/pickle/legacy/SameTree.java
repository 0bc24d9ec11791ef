package io.ptsafe.pickle.legacy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Tensor;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Asserts two decoded trees are the same value, tensors compared by geometry and bytes. */
final class SameTree {
    private SameTree() {
    }

    static void assertSame(PyValue expected, PyValue actual, String path) throws PtsafeException {
        assertEquals(expected.getClass(), actual.getClass(), path + ": value type");
        switch (expected) {
            case PyValue.TensorValue e -> assertSameTensor(e.tensor(), ((PyValue.TensorValue) actual).tensor(), path);
            case PyValue.Dict e -> {
                PyValue.Dict a = (PyValue.Dict) actual;
                assertEquals(e.kind(), a.kind(), path + ": dict kind");
                assertEquals(List.copyOf(e.entries().keySet()), List.copyOf(a.entries().keySet()), path + ": keys");
                for (Map.Entry<PyValue, PyValue> x : e.entries().entrySet()) {
                    assertSame(x.getValue(), a.entries().get(x.getKey()), path + "[" + x.getKey() + "]");
                }
            }
            case PyValue.PyList e -> assertSameItems(e.items(), ((PyValue.PyList) actual).items(), path);
            case PyValue.Tuple e -> assertSameItems(e.items(), ((PyValue.Tuple) actual).items(), path);
            case PyValue.Opaque e -> {
                PyValue.Opaque a = (PyValue.Opaque) actual;
                assertEquals(e.global(), a.global(), path + ": global");
                assertSameItems(e.args(), a.args(), path + ".args");
                assertEquals(e.state() == null, a.state() == null, path + ": state");
                if (e.state() != null) {
                    assertSame(e.state(), a.state(), path + ".state");
                }
            }
            case PyValue.PySet e -> assertSameItems(new ArrayList<>(e.items()),
                    new ArrayList<>(((PyValue.PySet) actual).items()), path);
            default -> assertEquals(expected, actual, path);
        }
    }

    private static void assertSameItems(List<PyValue> e, List<PyValue> a, String path) throws PtsafeException {
        assertEquals(e.size(), a.size(), path + ": length");
        for (int i = 0; i < e.size(); i++) {
            assertSame(e.get(i), a.get(i), path + "[" + i + "]");
        }
    }

    static void assertSameTensor(Tensor e, Tensor a, String path) throws PtsafeException {
        assertEquals(e.dtype(), a.dtype(), path + ": dtype");
        assertArrayEquals(e.shape(), a.shape(), path + ": shape");
        assertArrayEquals(e.strides(), a.strides(), path + ": strides");
        assertEquals(e.storageOffset(), a.storageOffset(), path + ": storage offset");
        assertEquals(e.storage().byteSize(), a.storage().byteSize(), path + ": storage size");
        assertArrayEquals(e.data().toArray(ValueLayout.JAVA_BYTE), a.data().toArray(ValueLayout.JAVA_BYTE),
                path + ": data");
    }
}
