package io.ptsafe.safetensors;

import java.nio.file.Path;

/** Run in a child JVM by {@link LargeConversionTest}: converts args[0] to args[1] and prints the report. */
public final class LargeConversionMain {
    private LargeConversionMain() {
    }

    public static void main(String[] args) throws Exception {
        System.out.print(SafetensorsConverter.convertFile(Path.of(args[0]), Path.of(args[1])).toTable());
        Runtime rt = Runtime.getRuntime();
        System.out.println("max heap " + rt.maxMemory() + ", heap used " + (rt.totalMemory() - rt.freeMemory()));
        Path status = Path.of("/proc/self/status");
        if (java.nio.file.Files.isReadable(status)) {
            java.nio.file.Files.readAllLines(status).stream().filter(l -> l.startsWith("VmHWM"))
                    .forEach(l -> System.out.println("peak resident memory " + l.substring(6).trim()));
        }
    }
}
