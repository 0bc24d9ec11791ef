package io.ptsafe.cli;

import io.ptsafe.ByteSize;
import io.ptsafe.Limit;
import io.ptsafe.LoadOptions;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.TypeConversionException;

/**
 * The repeatable {@code --limit NAME=VALUE} option of the commands that read files: NAME is a
 * {@link Limit}'s setting, as a refusal names it ({@code maxTensors}), VALUE a whole number; the
 * settings whose name ends in {@code Bytes} also take sizes ({@code 200MB}, {@code 8GiB}; see
 * {@link io.ptsafe.ByteSize}). A bad one is refused while parsing, so it is a usage error.
 */
final class LimitOption {
    /** One {@code --limit}, already checked against {@link LoadOptions.Builder#limit}. */
    record Setting(Limit limit, long value) {
        String name() {
            return limit.setting();
        }
    }

    private LimitOption() {
    }

    static OptionSpec create() {
        return OptionSpec.builder("--limit").paramLabel("NAME=VALUE").type(List.class).auxiliaryTypes(Setting.class)
                .converters(LimitOption::parse)
                .description("Set a limit on what a file may hold, e.g. " + Limit.MAX_TENSORS.setting() + "=5000000 or "
                        + Limit.MAX_HEADER_BYTES.setting() + "=200MB "
                        + "(the *Bytes settings take sizes); repeatable. 'ptsafe limits' lists them.")
                .build();
    }

    /** {@return {@code b} with the limits given to {@code option} set} */
    static LoadOptions.Builder apply(OptionSpec option, LoadOptions.Builder b) {
        List<Setting> given = option.getValue();
        if (given != null) {
            for (Setting s : given) {
                b.limit(s.limit(), s.value());
            }
        }
        return b;
    }

    /** {@return the default options with the limits given to {@code option} set} */
    static LoadOptions options(OptionSpec option) {
        return apply(option, LoadOptions.builder()).build();
    }

    static Setting parse(String text) {
        int eq = text.indexOf('=');
        if (eq < 0) {
            throw new TypeConversionException("'" + text + "' is not NAME=VALUE; the limits are: " + known());
        }
        String name = text.substring(0, eq).strip();
        String value = text.substring(eq + 1).strip();
        if (!LoadOptions.limitNames().contains(name)) {
            throw new TypeConversionException("unknown limit '" + name + "'; the limits are: " + known());
        }
        Limit limit = Limit.named(name);
        long v;
        if (limit.setting().endsWith("Bytes")) {
            try {
                v = ByteSize.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(name + ": " + e.getMessage());
            }
        } else if (value.matches("\\d+")) {
            try {
                v = Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw new TypeConversionException(name + ": '" + value + "' is out of range");
            }
        } else {
            throw new TypeConversionException(name + ": '" + value + "' is not a whole number");
        }
        try {
            LoadOptions.builder().limit(limit, v);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
        return new Setting(limit, v);
    }

    private static String known() {
        return String.join(", ", LoadOptions.limitNames());
    }
}
