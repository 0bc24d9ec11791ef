package io.ptsafe.pickle.machine;

import java.util.List;
import java.util.Set;

/**
 * What the machine made of a pickle.
 *
 * @param root      the value STOP returned: a machine value ({@link ListObj}, {@link DictObj}, ...,
 *                  or a {@code PyValue} scalar); convert it with {@link TreeConverter}, once (converting
 *                  consumes the machine's containers)
 * @param end       the offset just past STOP (the pickle's length unless trailing data was allowed)
 * @param protocol  the protocol PROTO declared, or 0 without PROTO
 * @param opcodes   every opcode that ran
 * @param globals   every global named, in order, known or not
 * @param forbidden the globals outside the table (empty unless the machine ran in scan mode: loading
 *                  refuses them)
 * @param opcodeCount how many opcodes ran
 * @param budget    the file's decoded-values budget as this run left it ({@link DecodeBudget#used()}
 *                  includes earlier pickles sharing it); converting the root goes on charging it
 */
public record PickleResult(Object root, long end, int protocol, Set<Opcode> opcodes, List<GlobalUse> globals,
        List<GlobalUse> forbidden, long opcodeCount, DecodeBudget budget) {
}
