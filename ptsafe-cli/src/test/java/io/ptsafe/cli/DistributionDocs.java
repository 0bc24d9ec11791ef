package io.ptsafe.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * Writes the distribution's bash completion script (picocli's {@link AutoComplete}) and man page
 * from the command line {@link Cli} builds, so both always match the code. Run at package time by
 * the build (ptsafe-cli/pom.xml), not a test.
 *
 * <p>The man page is troff built from picocli's own usage help, one section per command (as help2man
 * does): picocli-codegen's ManPageGenerator writes AsciiDoc, which needs Asciidoctor to become a man page.
 */
public final class DistributionDocs {
    private DistributionDocs() {
    }

    /** @param args the output folder, the version */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        String version = args[1];
        Files.createDirectories(out);
        CommandLine cl = Cli.create(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), false);
        Files.writeString(out.resolve("ptsafe_completion"), AutoComplete.bash("ptsafe", cl));

        StringBuilder man = new StringBuilder();
        man.append(".TH PTSAFE 1 \"\" \"ptsafe ").append(version).append("\" \"User Commands\"\n");
        man.append(".SH NAME\nptsafe \\- read PyTorch and safetensors model weights without ever running code\n");
        man.append(".SH SYNOPSIS\n.B ptsafe\n.I command\n[\\fIoptions\\fR] \\fIfile\\fR...\n");
        man.append(".SH DESCRIPTION\n");
        block(man, cl.getUsageMessage(CommandLine.Help.Ansi.OFF));
        man.append(".SH COMMANDS\n");
        for (Map.Entry<String, CommandLine> sub : cl.getSubcommands().entrySet()) {
            man.append(".SS ptsafe ").append(sub.getKey()).append('\n');
            block(man, sub.getValue().getUsageMessage(CommandLine.Help.Ansi.OFF));
        }
        man.append(".SH SEE ALSO\nThe README at https://github.com/ptsafe/ptsafe\n");
        Files.writeString(out.resolve("ptsafe.1"), man);
    }

    /** Text as picocli laid it out: no filling, no adjusting, troff's control characters escaped. */
    private static void block(StringBuilder man, String text) {
        man.append(".nf\n");
        for (String line : text.split("\n", -1)) {
            String l = line.replace("\\", "\\e").replace("-", "\\-");
            if (l.startsWith(".") || l.startsWith("'")) {
                l = "\\&" + l;
            }
            man.append(l).append('\n');
        }
        man.append(".fi\n");
    }
}
