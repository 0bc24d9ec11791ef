package io.ptsafe.djl;

import java.util.List;
import java.util.stream.Collectors;

/**
 * What loading a state dict into a block found, as torch's {@code load_state_dict} reports it,
 * plus the shape and dtype mismatches torch raises for. Names are torch-style block names (see
 * {@link StateDicts#names}); a file key is given as the file spells it.
 *
 * @param loaded the block names assigned, in the file's order
 * @param missing the block names the file has no tensor for
 * @param unexpected the file keys no block parameter takes
 * @param ignored the file keys of torch buffers DJL has no parameter for (BatchNorm's
 *        {@code num_batches_tracked}): neither loaded nor a problem
 * @param shapeMismatches the file tensors whose shape differs from the parameter's
 * @param dtypeMismatches the file tensors whose DJL type (after any widening or dequantization asked
 *        for) differs from the parameter's, or that have none
 */
public record LoadReport(List<String> loaded, List<String> missing, List<String> unexpected, List<String> ignored,
        List<Mismatch> shapeMismatches, List<Mismatch> dtypeMismatches) {

    /** Copies the lists. */
    public LoadReport {
        loaded = List.copyOf(loaded);
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
        ignored = List.copyOf(ignored);
        shapeMismatches = List.copyOf(shapeMismatches);
        dtypeMismatches = List.copyOf(dtypeMismatches);
    }

    /**
     * A tensor the block has a parameter for, but of another shape or dtype.
     *
     * @param name the block name
     * @param fileKey the tensor's name in the file
     * @param expected what the block's parameter has
     * @param found what the file's tensor has
     */
    public record Mismatch(String name, String fileKey, String expected, String found) {
        @Override
        public String toString() {
            return (name.equals(fileKey) ? "'" + name + "'" : "'" + fileKey + "' (as '" + name + "')")
                    + ": the block has " + expected + ", the file " + found;
        }
    }

    /** {@return whether anything is missing, unexpected or mismatched} */
    public boolean hasProblems() {
        return !missing.isEmpty() || !unexpected.isEmpty() || !shapeMismatches.isEmpty() || !dtypeMismatches.isEmpty();
    }

    /** {@return every problem, one a line, as torch words them} */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        line(sb, "Missing key(s)", missing.stream().map(k -> "'" + k + "'").collect(Collectors.joining(", ")), missing.size());
        line(sb, "Unexpected key(s)", unexpected.stream().map(k -> "'" + k + "'").collect(Collectors.joining(", ")),
                unexpected.size());
        line(sb, "Shape mismatch(es)", shapeMismatches.stream().map(Mismatch::toString).collect(Collectors.joining("; ")),
                shapeMismatches.size());
        line(sb, "Dtype mismatch(es)", dtypeMismatches.stream().map(Mismatch::toString).collect(Collectors.joining("; ")),
                dtypeMismatches.size());
        return sb.toString().strip();
    }

    private static void line(StringBuilder sb, String what, String items, int n) {
        if (n > 0) {
            sb.append(what).append(" (").append(n).append("): ").append(items).append('\n');
        }
    }
}
