package io.ptsafe.spark;

import io.ptsafe.Tensor;
import io.ptsafe.scan.ScanFinding;
import io.ptsafe.scan.ScanReport;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.unsafe.types.UTF8String;

/** Builds the rows of {@link Schemas}, in their column order. */
final class Rows {
    private Rows() {
    }

    /**
     * A scanned file's row.
     *
     * @param path    how the row names it (a report's own {@link java.nio.file.Path} would fold a URI's {@code //})
     * @param file    the stored file the report came from (the archive, for a member)
     * @param relabel turns the names of a local copy into the stored file's, in the path and messages
     */
    static InternalRow file(String path, ScanReport r, String file, Long size, String sha256, UnaryOperator<String> relabel) {
        List<ScanFinding> fs = r.findings();
        Object[] findings = new Object[fs.size()];
        for (int i = 0; i < findings.length; i++) {
            ScanFinding f = fs.get(i);
            ScanFinding.Location l = f.location();
            findings[i] = new GenericInternalRow(new Object[] {
                str(f.rule().id()), str(f.rule().slug()), str(f.severity().name()), str(f.effect().name()),
                str(relabel.apply(f.message())),
                new GenericInternalRow(new Object[] {str(l.entry()), l.entryOffset() < 0 ? null : l.entryOffset(),
                    l.fileOffset() < 0 ? null : l.fileOffset()})});
        }
        ScanReport.TensorInventory t = r.tensors().orElse(null);
        return new GenericInternalRow(new Object[] {
            str(path), str(file), size, str(sha256), str(r.container().name()),
            str(r.verdict().name()), r.complete(), new GenericArrayData(findings), r.omittedFindings(),
            t == null ? null : t.count(), t == null ? null : t.bytes(), null, str(Version.PTSAFE)});
    }

    /** A file found and not scanned, with the reason ({@code ptsafe scan --json}'s {@code skipped}). */
    static InternalRow skipped(String path, String file, String reason) {
        return new GenericInternalRow(new Object[] {
            str(path), str(file), null, null, null, null, null, new GenericArrayData(new Object[0]), 0L, null, null,
            str(reason), str(Version.PTSAFE)});
    }

    static InternalRow tensor(String path, Tensor t, String sha256) {
        long[] shape = t.shape();
        Object[] dims = new Object[shape.length];
        for (int i = 0; i < shape.length; i++) {
            dims[i] = shape[i];
        }
        return new GenericInternalRow(new Object[] {
            str(path), str(path), str(t.name()), str(t.dtype().name()), new GenericArrayData(dims), t.byteSize(),
            str(sha256)});
    }

    private static UTF8String str(String s) {
        return s == null ? null : UTF8String.fromString(s);
    }
}
