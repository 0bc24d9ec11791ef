package io.ptsafe.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void readsSamples() {
        List<Row> rows = TestSpark.session().read().format("ptsafe").load(TestSpark.fixtures("samples").toString())
                .collectAsList();
        rows.forEach(System.out::println);
        assertEquals(5, rows.size());
    }
}
