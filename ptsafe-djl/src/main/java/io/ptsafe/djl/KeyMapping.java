package io.ptsafe.djl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Rules from the tensor names of a file to the torch-style names ptsafe-djl gives a block's
 * parameters (see {@link StateDicts#names}), applied in the order added. Immutable.
 *
 * <pre>{@code
 * KeyMapping keys = KeyMapping.builder()
 *         .stripPrefix("module.")                                   // saved from DataParallel
 *         .rename("^self_attn\\.out_proj\\.", "self_attn_out.")      // a regex, replaceAll
 *         .rename(Map.of("self_attn.in_proj_weight", "self_attn_in.weight"))
 *         .build();
 * }</pre>
 *
 * <p>Writing back ({@link StateDicts#save}) applies the inverse, last rule first: prefixes and exact
 * renames invert; a regex rename does not, so a mapping with one cannot write unless given
 * {@link Builder#rename(String, String, String, String) its inverse}.
 */
public final class KeyMapping {
    private static final KeyMapping IDENTITY = new KeyMapping(List.of());

    private final List<Rule> rules;

    private KeyMapping(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** {@return the mapping that changes no name} */
    public static KeyMapping identity() {
        return IDENTITY;
    }

    /** {@return a builder with no rules} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * {@return the block name a file's tensor name maps to}
     *
     * @param fileKey a tensor name as the file gives it
     */
    public String toBlock(String fileKey) {
        String k = fileKey;
        for (Rule r : rules) {
            k = r.forward(k);
        }
        return k;
    }

    /**
     * {@return the file name a block name is written under: the rules inverted, last first}
     *
     * @param blockKey a torch-style block name
     * @throws IllegalStateException if a rule is a regex rename given without its inverse
     */
    public String toFile(String blockKey) {
        String k = blockKey;
        for (int i = rules.size() - 1; i >= 0; i--) {
            k = rules.get(i).backward(k);
        }
        return k;
    }

    @Override
    public String toString() {
        return rules.isEmpty() ? "identity" : rules.toString();
    }

    private interface Rule {
        String forward(String key);

        String backward(String key);
    }

    private record StripPrefix(String prefix) implements Rule {
        public String forward(String key) {
            return key.startsWith(prefix) ? key.substring(prefix.length()) : key;
        }

        public String backward(String key) {
            return prefix + key;
        }

        @Override
        public String toString() {
            return "stripPrefix(" + prefix + ")";
        }
    }

    private record AddPrefix(String prefix) implements Rule {
        public String forward(String key) {
            return prefix + key;
        }

        public String backward(String key) {
            return key.startsWith(prefix) ? key.substring(prefix.length()) : key;
        }

        @Override
        public String toString() {
            return "addPrefix(" + prefix + ")";
        }
    }

    private record Regex(Pattern pattern, String replacement, Pattern inverse, String inverseReplacement)
            implements Rule {
        public String forward(String key) {
            return pattern.matcher(key).replaceAll(replacement);
        }

        public String backward(String key) {
            if (inverse == null) {
                throw new IllegalStateException("the rename " + pattern + " -> " + replacement
                        + " has no inverse: give one with rename(regex, replacement, inverseRegex, inverseReplacement)"
                        + " to write blocks back");
            }
            return inverse.matcher(key).replaceAll(inverseReplacement);
        }

        @Override
        public String toString() {
            return "rename(" + pattern + " -> " + replacement + ")";
        }
    }

    private record Exact(Map<String, String> forward, Map<String, String> backward) implements Rule {
        public String forward(String key) {
            return forward.getOrDefault(key, key);
        }

        public String backward(String key) {
            return backward.getOrDefault(key, key);
        }

        @Override
        public String toString() {
            return "rename(" + forward + ")";
        }
    }

    /** Builds a {@link KeyMapping}. */
    public static final class Builder {
        private final List<Rule> rules = new ArrayList<>();

        private Builder() {
        }

        /**
         * Removes a prefix from the names that have it ({@code "module."} of a model saved from
         * {@code DataParallel}, {@code "model."} of many checkpoints).
         *
         * @param prefix the prefix
         * @return this builder
         */
        public Builder stripPrefix(String prefix) {
            rules.add(new StripPrefix(nonEmpty(prefix)));
            return this;
        }

        /**
         * Puts a prefix before every name.
         *
         * @param prefix the prefix
         * @return this builder
         */
        public Builder addPrefix(String prefix) {
            rules.add(new AddPrefix(nonEmpty(prefix)));
            return this;
        }

        /**
         * Renames with a regular expression ({@code Matcher.replaceAll}); not invertible, so a
         * mapping with it cannot write blocks back.
         *
         * @param regex the pattern
         * @param replacement the replacement ({@code $1} for groups)
         * @return this builder
         * @throws java.util.regex.PatternSyntaxException if the pattern is invalid
         */
        public Builder rename(String regex, String replacement) {
            rules.add(new Regex(Pattern.compile(regex), Objects.requireNonNull(replacement, "replacement"), null, null));
            return this;
        }

        /**
         * Renames with a regular expression, and gives the rename that undoes it for writing back.
         *
         * @param regex the pattern, file name to block name
         * @param replacement its replacement
         * @param inverseRegex the pattern, block name to file name
         * @param inverseReplacement its replacement
         * @return this builder
         * @throws java.util.regex.PatternSyntaxException if a pattern is invalid
         */
        public Builder rename(String regex, String replacement, String inverseRegex, String inverseReplacement) {
            rules.add(new Regex(Pattern.compile(regex), Objects.requireNonNull(replacement, "replacement"),
                    Pattern.compile(inverseRegex), Objects.requireNonNull(inverseReplacement, "inverseReplacement")));
            return this;
        }

        /**
         * Renames exact names: file name to block name. Names not in the map are unchanged.
         *
         * @param fileToBlock the renames; no two keys may map to one value
         * @return this builder
         * @throws IllegalArgumentException if two names map to one
         */
        public Builder rename(Map<String, String> fileToBlock) {
            Map<String, String> forward = new LinkedHashMap<>(fileToBlock);
            Map<String, String> backward = new LinkedHashMap<>();
            forward.forEach((k, v) -> {
                Objects.requireNonNull(k, "key");
                Objects.requireNonNull(v, "value");
                if (backward.putIfAbsent(v, k) != null) {
                    throw new IllegalArgumentException("'" + backward.get(v) + "' and '" + k + "' both rename to '" + v + "'");
                }
            });
            rules.add(new Exact(Map.copyOf(forward), Map.copyOf(backward)));
            return this;
        }

        /** {@return the mapping} */
        public KeyMapping build() {
            return new KeyMapping(rules);
        }

        private static String nonEmpty(String prefix) {
            if (Objects.requireNonNull(prefix, "prefix").isEmpty()) {
                throw new IllegalArgumentException("empty prefix");
            }
            return prefix;
        }
    }
}
