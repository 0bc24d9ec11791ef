package io.ptsafe.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.SafeLoader;
import io.ptsafe.pickle.BarePickleProvider;
import io.ptsafe.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.reflect.AccessFlag;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public API as the class files of the built modules declare it (read with the JDK's class-file
 * API; nothing is loaded): no jackson type in any public signature, no class of a package a module
 * does not export (to everyone) in any public signature of an exported package, and no checked
 * exception on any read of an open file.
 */
class PublicApiTest {

    /** The packages ptsafe's modules export to everyone (qualified exports are not API), internal names. */
    private static final Set<String> EXPORTED = new java.util.TreeSet<>();

    /** Class files of the exported packages of each ptsafe module, by internal name. */
    private static Map<String, ClassModel> exportedClasses() throws IOException, URISyntaxException {
        Map<String, ClassModel> out = new TreeMap<>();
        EXPORTED.clear();
        for (Class<?> c : List.of(SafeLoader.class, SafetensorsWriter.class, BarePickleProvider.class)) {
            Path location = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
            try (FileSystem jar = Files.isDirectory(location) ? null : FileSystems.newFileSystem(location)) {
                Path root = jar == null ? location : jar.getPath("/");
                ClassModel module = ClassFile.of().parse(Files.readAllBytes(root.resolve("module-info.class")));
                Set<String> exported = module.findAttribute(Attributes.module()).orElseThrow().exports().stream()
                        .filter(e -> e.exportsTo().isEmpty())
                        .map(e -> e.exportedPackage().name().stringValue()).collect(java.util.stream.Collectors.toSet());
                EXPORTED.addAll(exported);
                for (String pkg : exported) {
                    try (Stream<Path> files = Files.list(root.resolve(pkg))) {
                        for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                            ClassModel m = ClassFile.of().parse(Files.readAllBytes(f));
                            if (m.flags().has(AccessFlag.PUBLIC)) {
                                out.put(m.thisClass().asInternalName(), m);
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    private static boolean visible(Set<AccessFlag> flags) {
        return flags.contains(AccessFlag.PUBLIC) || flags.contains(AccessFlag.PROTECTED);
    }

    @Test
    void noJacksonTypeInAnyPublicSignature() throws Exception {
        assertEquals(List.of(), leaks(type -> type.contains("com/fasterxml/")));
    }

    /** The API names only API: a provider SPI or implementation class in a public signature would be unusable. */
    @Test
    void noNonExportedPtsafeTypeInAnyPublicSignature() throws Exception {
        assertEquals(List.of(), leaks(PublicApiTest::namesNonExportedPtsafeClass));
        assertTrue(EXPORTED.containsAll(Set.of("io/ptsafe", "io/ptsafe/scan", "io/ptsafe/safetensors")), EXPORTED.toString());
        assertFalse(EXPORTED.contains("io/ptsafe/spi"), "the SPI is exported to the format modules only");
    }

    private static final java.util.regex.Pattern PTSAFE_CLASS = java.util.regex.Pattern.compile("io/ptsafe/[\\w/$]+");

    private static boolean namesNonExportedPtsafeClass(String type) {
        java.util.regex.Matcher m = PTSAFE_CLASS.matcher(type);
        while (m.find()) {
            String name = m.group();
            if (!EXPORTED.contains(name.substring(0, name.lastIndexOf('/')))) {
                return true;
            }
        }
        return false;
    }

    /** Every public or protected signature element of the exported classes that {@code bad} flags. */
    private static List<String> leaks(java.util.function.Predicate<String> bad) throws Exception {
        Map<String, ClassModel> classes = exportedClasses();
        assertTrue(classes.containsKey("io/ptsafe/Tensor") && classes.containsKey("io/ptsafe/safetensors/ConversionReport"),
                classes.keySet().toString());
        List<String> leaks = new ArrayList<>();
        java.util.function.BiConsumer<String, String> check = (where, type) -> {
            if (bad.test(type)) {
                leaks.add(where + ": " + type);
            }
        };
        for (ClassModel c : classes.values()) {
            String name = c.thisClass().asInternalName();
            c.superclass().ifPresent(s -> check.accept(name + " extends", s.asInternalName()));
            c.interfaces().forEach(i -> check.accept(name + " implements", i.asInternalName()));
            c.findAttribute(Attributes.signature()).ifPresent(s -> check.accept(name, s.signature().stringValue()));
            for (MethodModel m : c.methods()) {
                if (visible(m.flags().flags())) {
                    String what = name + "." + m.methodName().stringValue();
                    check.accept(what, m.methodType().stringValue());
                    m.findAttribute(Attributes.signature()).ifPresent(s -> check.accept(what, s.signature().stringValue()));
                    m.findAttribute(Attributes.exceptions()).ifPresent(e -> e.exceptions()
                            .forEach(x -> check.accept(what + " throws", x.asInternalName())));
                }
            }
            c.fields().stream().filter(f -> visible(f.flags().flags()))
                    .forEach(f -> check.accept(name + "." + f.fieldName().stringValue(), f.fieldType().stringValue()));
        }
        return leaks;
    }

    /** Opening throws the checked refusal; reading an open file never throws a checked exception. */
    @Test
    void readsDeclareNoCheckedException() throws Exception {
        Map<String, ClassModel> classes = exportedClasses();
        List<String> checked = new ArrayList<>();
        for (String type : List.of("io/ptsafe/Tensor", "io/ptsafe/TensorFile", "io/ptsafe/Slice")) {
            for (MethodModel m : classes.get(type).methods()) {
                if (visible(m.flags().flags()) && m.findAttribute(Attributes.exceptions()).isPresent()) {
                    checked.add(type + "." + m.methodName().stringValue());
                }
            }
        }
        assertEquals(List.of(), checked);
        // the builder providers use to describe a file's tensors refuses bad ones with the checked refusal
        assertFalse(classes.get("io/ptsafe/Tensor$Builder").methods().stream()
                .filter(m -> m.methodName().equalsString("build"))
                .allMatch(m -> m.findAttribute(Attributes.exceptions()).isEmpty()));
    }
}
