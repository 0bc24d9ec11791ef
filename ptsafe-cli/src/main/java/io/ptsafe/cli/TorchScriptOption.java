package io.ptsafe.cli;

import io.ptsafe.LoadOptions;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The {@code --allow-torchscript-weights} option of the commands that read files: sets
 * {@link LoadOptions#allowTorchScriptWeights()}, so that a TorchScript archive is read for its
 * weights (its code never run) instead of refused.
 */
final class TorchScriptOption {
    private TorchScriptOption() {
    }

    static OptionSpec create() {
        return OptionSpec.builder("--allow-torchscript-weights").type(boolean.class).initialValue(false)
                .description("Read a TorchScript archive (torch.jit.save) for its weights only, named as state_dict() "
                        + "names them; its code is never run. Without it such archives are refused.").build();
    }

    /** {@return {@code b} with the option applied} */
    static LoadOptions.Builder apply(OptionSpec option, LoadOptions.Builder b) {
        return b.allowTorchScriptWeights(option.<Boolean>getValue());
    }

    /** {@return the default options with {@code limits} and this option applied} */
    static LoadOptions options(OptionSpec limits, OptionSpec option) {
        return apply(option, LimitOption.apply(limits, LoadOptions.builder())).build();
    }
}
