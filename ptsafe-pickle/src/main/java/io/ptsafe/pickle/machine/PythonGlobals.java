package io.ptsafe.pickle.machine;

import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Meanings for the plain-data Python globals pickles use to rebuild values that have no opcode of
 * their own at protocol 2: OrderedDict, Counter, set, frozenset, bytearray, complex and
 * {@code _codecs.encode} (how bytes are pickled at protocol 2), and {@code bytes()} (how empty
 * bytes are, e.g. an empty numpy array's data). Each takes exactly the arguments the pickler writes.
 */
public final class PythonGlobals {
    private PythonGlobals() {
    }

    /** A table of these globals, to extend. */
    public static GlobalTable table() {
        return GlobalTable.builder()
                .put("collections.OrderedDict", new DictMeaning(DictObj.ORDERED_DICT))
                .put("collections.Counter", new DictMeaning(DictObj.COUNTER))
                .put("builtins.set", new SetMeaning(false))
                .put("builtins.frozenset", new SetMeaning(true))
                .put("builtins.bytearray", new BytearrayMeaning())
                .put("builtins.bytes", new EmptyBytesMeaning())
                .put("builtins.complex", new ComplexMeaning())
                .put("_codecs.encode", new EncodeMeaning())
                .build();
    }

    /** OrderedDict() / Counter(dict): a dict of that kind, filled from an optional mapping or pair list. */
    private record DictMeaning(String kind) implements Meaning {
        @Override
        public Object call(Call call) throws PtsafeException {
            DictObj d = new DictObj(kind);
            List<Object> args = call.args();
            if (args.size() > 1) {
                throw call.malformed("takes at most one argument, got " + args.size());
            }
            if (args.size() == 1) {
                fill(d, args.getFirst(), call);
            }
            return d;
        }

        @Override
        public Object instantiate(Call call) throws PtsafeException {
            return call(call);
        }

        private static void fill(DictObj d, Object source, Call call) throws PtsafeException {
            PickleMachine m = call.machine();
            // Entries put here are not charged one by one (the mapping's or the pairs' were).
            d.entriesUncharged();
            switch (source) {
                case DictObj other -> d.entries.putAll(other.entries);
                case ListObj l -> pairs(d, l.items, call, m);
                case TupleObj t -> pairs(d, t.items(), call, m);
                default -> throw call.malformed("cannot build a dict from a " + Values.typeName(source));
            }
        }

        private static void pairs(DictObj d, List<Object> items, Call call, PickleMachine m) throws PtsafeException {
            for (Object item : items) {
                List<Object> pair = switch (item) {
                    case TupleObj t -> t.items();
                    case ListObj l -> l.items;
                    default -> throw call.malformed("a dict item must be a pair, got a " + Values.typeName(item));
                };
                if (pair.size() != 2) {
                    throw call.malformed("a dict item must be a pair, got " + pair.size() + " values");
                }
                d.entries.put(m.key(pair.get(0), call.opcode(), call.offset()), pair.get(1));
            }
        }
    }

    /**
     * {@code bytes()}: pickle.py's {@code save_bytes} writes empty bytes at protocol 2 as
     * {@code save_reduce(bytes, ())} (CPython 3.11 Lib/pickle.py, {@code _Pickler.save_bytes} line 792; C
     * {@code _pickle.c} {@code save_bytes} alike). Any argument is refused: {@code bytes(n)} would
     * allocate n bytes the file never held.
     */
    private static final class EmptyBytesMeaning implements Meaning {
        @Override
        public Object call(Call call) throws PtsafeException {
            if (!call.args().isEmpty()) {
                throw call.malformed("only bytes() with no arguments (empty bytes, as pickle writes them) is decoded, got "
                        + call.args().size() + " arguments");
            }
            return new PyValue.Bytes(new byte[0], false);
        }
    }

    /** set(iterable) / frozenset(iterable). */
    private record SetMeaning(boolean frozen) implements Meaning {
        @Override
        public Object call(Call call) throws PtsafeException {
            SetObj s = new SetObj(frozen);
            List<Object> args = call.args();
            if (args.size() > 1) {
                throw call.malformed("takes at most one argument, got " + args.size());
            }
            if (args.size() == 1) {
                List<Object> items = switch (args.getFirst()) {
                    case ListObj l -> l.items;
                    case TupleObj t -> t.items();
                    case SetObj o -> List.copyOf(o.items());
                    default -> throw call.malformed("cannot build a set from a " + Values.typeName(args.getFirst()));
                };
                PickleMachine m = call.machine();
                for (Object item : items) {
                    s.add(m.key(item, call.opcode(), call.offset()), Values.heightOf(item),
                            Values.keyNodes(item, PickleMachine.MAX_KEY_NODES));
                }
            }
            return s;
        }

        @Override
        public Object instantiate(Call call) throws PtsafeException {
            return call(call);
        }
    }

    /** bytearray(), bytearray(bytes), bytearray(str, "latin-1") (protocol 2). */
    private static final class BytearrayMeaning implements Meaning {
        @Override
        public Object call(Call call) throws PtsafeException {
            List<Object> args = call.args();
            if (args.isEmpty()) {
                return new PyValue.Bytes(new byte[0], true);
            }
            if (args.size() == 1 && args.getFirst() instanceof PyValue.Bytes b) {
                return new PyValue.Bytes(b.value(), true);
            }
            if (args.size() == 2 && args.get(0) instanceof PyValue.Str s && args.get(1) instanceof PyValue.Str enc) {
                return new PyValue.Bytes(encode(s.value(), enc.value(), call), true);
            }
            throw call.malformed("takes (), (bytes) or (str, encoding)");
        }
    }

    /** complex(real, imag) with int or float parts. */
    private static final class ComplexMeaning implements Meaning {
        @Override
        public Object call(Call call) throws PtsafeException {
            List<Object> args = call.args();
            if (args.size() > 2) {
                throw call.malformed("takes at most two arguments, got " + args.size());
            }
            double re = args.isEmpty() ? 0 : part(args.get(0), call);
            double im = args.size() < 2 ? 0 : part(args.get(1), call);
            return new PyValue.Complex(re, im);
        }

        @Override
        public Object instantiate(Call call) throws PtsafeException {
            return call(call);
        }

        private static double part(Object v, Call call) throws PtsafeException {
            return switch (v) {
                case PyValue.Float f -> f.value();
                case PyValue.Int i -> i.value().doubleValue();
                default -> throw call.malformed("a complex part must be an int or float, got a " + Values.typeName(v));
            };
        }
    }

    /** _codecs.encode(str, encoding): how protocol 2 pickles bytes ({@code encode('\xff', 'latin1')}). */
    private static final class EncodeMeaning implements Meaning {
        @Override
        public Object call(Call call) throws PtsafeException {
            List<Object> args = call.args();
            if (args.size() == 2 && args.get(0) instanceof PyValue.Str s && args.get(1) instanceof PyValue.Str enc) {
                return new PyValue.Bytes(encode(s.value(), enc.value(), call), false);
            }
            throw call.malformed("takes (str, encoding)");
        }
    }

    private static final Map<String, String> CODECS = Map.of("latin1", "latin-1", "latin-1", "latin-1",
            "iso-8859-1", "latin-1", "iso8859-1", "latin-1", "utf-8", "utf-8", "utf8", "utf-8", "ascii", "ascii");

    private static byte[] encode(String s, String encoding, Call call) throws PtsafeException {
        String codec = CODECS.get(encoding.toLowerCase(Locale.ROOT).replace('_', '-'));
        if (codec == null) {
            throw call.forbidden("encoding '" + Texts.clip(encoding) + "' (only latin-1, utf-8 and ascii)");
        }
        if (codec.equals("utf-8")) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        int max = codec.equals("ascii") ? 0x7f : 0xff;
        byte[] out = new byte[s.length()];
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > max) {
                throw call.malformed("character U+" + Integer.toHexString(c) + " cannot be encoded in " + codec);
            }
            out[i] = (byte) c;
        }
        return out;
    }
}
