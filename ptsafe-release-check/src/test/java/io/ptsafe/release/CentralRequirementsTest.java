package io.ptsafe.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipFile;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * What Maven Central requires of every published module, checked on what this build made (the
 * module's {@code target/}, never the local repository): the jar with its {@code -sources} and
 * {@code -javadoc} jars, and the POM as deployed (the flattened one) with name, description, url,
 * licenses, developers and scm. See https://central.sonatype.org/publish/requirements/.
 */
class CentralRequirementsTest {
    static final Path ROOT = Path.of(System.getProperty("ptsafe.root")).normalize();
    static final String VERSION = System.getProperty("ptsafe.version");

    @ParameterizedTest
    @ValueSource(strings = {"ptsafe-api", "ptsafe-safetensors", "ptsafe-pickle", "ptsafe-cli", "ptsafe-djl", "ptsafe-spark"})
    void libraryJarHasSourcesAndJavadocJars(String module) throws IOException {
        Path target = ROOT.resolve(module).resolve("target");
        String base = module + "-" + VERSION;
        assertTrue(hasEntryEnding(target.resolve(base + ".jar"), ".class"), base + ".jar holds classes");
        assertTrue(hasEntryEnding(target.resolve(base + "-sources.jar"), ".java"), base + "-sources.jar holds sources");
        assertTrue(hasEntryEnding(target.resolve(base + "-javadoc.jar"), "index.html"), base + "-javadoc.jar holds javadoc");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ptsafe-api", "ptsafe-safetensors", "ptsafe-pickle", "ptsafe-cli", "ptsafe-djl", "ptsafe-spark", "ptsafe-bom"})
    void deployedPomHasEveryRequiredElement(String module) throws Exception {
        Path pom = ROOT.resolve(module).resolve("target").resolve(".flattened-pom.xml");
        assertTrue(Files.isRegularFile(pom), pom + " (the POM as deployed) exists");
        Element project = DocumentBuilderFactory.newDefaultInstance().newDocumentBuilder().parse(pom.toFile()).getDocumentElement();
        List<String> missing = new ArrayList<>();
        for (String path : List.of("groupId", "artifactId", "version", "name", "description", "url",
                "licenses/license/name", "licenses/license/url", "developers/developer/name",
                "scm/url", "scm/connection", "scm/developerConnection")) {
            String value = text(project, path);
            if (value == null || value.isBlank() || value.contains("${")) {
                missing.add(path);
            }
        }
        assertTrue(missing.isEmpty(), pom + " lacks " + missing);
        assertEquals(module, text(project, "artifactId"));
        assertEquals(VERSION, text(project, "version"));
        assertEquals("https://github.com/ptsafe/ptsafe", text(project, "url"), "the url is the project's, no module path appended");
        assertEquals(null, text(project, "parent/artifactId"), "deployed without a parent to resolve");
    }

    @ParameterizedTest
    @ValueSource(strings = {"examples", "ptsafe-bench", "ptsafe-fuzz", "ptsafe-release-check"})
    void unpublishedModulesAreNeitherInstalledNorDeployed(String module) throws Exception {
        Element project = DocumentBuilderFactory.newDefaultInstance().newDocumentBuilder()
                .parse(ROOT.resolve(module).resolve("pom.xml").toFile()).getDocumentElement();
        assertEquals("true", text(project, "properties/maven.install.skip"), module);
        assertEquals("true", text(project, "properties/maven.deploy.skip"), module);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ptsafe-api", "ptsafe-safetensors", "ptsafe-pickle", "ptsafe-cli", "ptsafe-djl", "ptsafe-spark"})
    void bomManagesEveryLibraryModule(String module) throws Exception {
        String bom = Files.readString(ROOT.resolve("ptsafe-bom/target/.flattened-pom.xml"));
        assertTrue(bom.contains("<artifactId>" + module + "</artifactId>"), module);
        assertFalse(bom.contains("${project.version}"), "versions resolved");
    }

    private static boolean hasEntryEnding(Path jar, String suffix) throws IOException {
        assertTrue(Files.isRegularFile(jar), jar + " exists");
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return zip.stream().anyMatch(e -> e.getName().endsWith(suffix));
        }
    }

    /** The text of the first element along a slash-separated path of child names, or null. */
    private static String text(Element from, String path) {
        Element at = from;
        for (String name : path.split("/")) {
            Element next = null;
            for (Node n = at.getFirstChild(); n != null && next == null; n = n.getNextSibling()) {
                if (n instanceof Element e && e.getTagName().equals(name)) {
                    next = e;
                }
            }
            if (next == null) {
                return null;
            }
            at = next;
        }
        assertNotNull(at);
        return at.getTextContent().trim();
    }
}
