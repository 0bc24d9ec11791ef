package io.ptsafe.pickle.legacy;

import io.ptsafe.spi.TarHeader;

import io.ptsafe.ContainerKind;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.scan.ScanFinding.Location;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.TensorFile;
import io.ptsafe.spi.FileProbe;
import io.ptsafe.spi.FormatProvider;
import io.ptsafe.spi.ScanSupport;
import java.io.IOException;

/**
 * Format provider "torch-legacy": legacy {@code torch.save} streams (torch before 1.6, or
 * {@code _use_new_zipfile_serialization=False}), recognised by the pickle of torch's magic number at
 * byte 0 ({@link LegacyMagic}), opened and scanned by {@link LegacyReader}; and the 2017 tar format, which it
 * recognises only to refuse.
 *
 * <p>The tar format (members {@code sys_info}, {@code pickle}, {@code tensors}, {@code storages}) is
 * refused with {@link Reason#UNSUPPORTED_FORMAT}: torch.load unpickles its members, and this is the
 * path through which torch's own weights_only loader was escaped (CVE-2025-32434; torch refuses the
 * format under weights_only since 2.6). A file is taken for a tar as torch takes it: when its first
 * 512-byte block has a valid tar checksum ({@link TarHeader}), even if it starts with the legacy
 * magic number; or when it carries the "ustar" magic. Files starting with a zip header are never
 * claimed (torch reads those as zip archives first).
 */
public final class TorchLegacyProvider implements FormatProvider {

    @Override
    public String name() {
        return "torch-legacy";
    }

    @Override
    public boolean recognizes(FileProbe probe) {
        if (probe.isDirectory() || probe.startsWith((byte) 'P', (byte) 'K', (byte) 3, (byte) 4)) {
            return false;
        }
        byte[] head = probe.head();
        return LegacyMagic.startsWithMagic(head) || TarHeader.checksumValid(head) || TarHeader.hasUstarMagic(head);
    }

    @Override
    public TensorFile open(FileProbe probe, LoadOptions options) throws IOException {
        PtsafeException tar = tarRefusal(probe);
        if (tar != null) {
            throw tar;
        }
        return LegacyReader.open(probe, options);
    }

    /** The refusal of a tar, for open and scan alike, or null when the file is a legacy stream. */
    private PtsafeException tarRefusal(FileProbe probe) {
        if (container(probe) != ContainerKind.TAR) {
            return null;
        }
        byte[] head = probe.head();
        return new PtsafeException(Reason.UNSUPPORTED_FORMAT, probe.path(), "a tar archive (first member '"
                + TarHeader.firstName(head) + "'" + (TarHeader.checksumValid(head) ? "" : ", with a broken header "
                + "checksum") + "): torch's 2017 checkpoint format, which ptsafe does not read: torch.load unpickles "
                + "its members with no restriction (CVE-2025-32434 went through it; torch refuses it under "
                + "weights_only since 2.6). Load it once in a trusted environment and save it again with "
                + "torch.save, or as safetensors");
    }

    @Override
    public ContainerKind container(FileProbe probe) {
        byte[] head = probe.head();
        return TarHeader.checksumValid(head) || !LegacyMagic.startsWithMagic(head) ? ContainerKind.TAR
                : ContainerKind.TORCH_LEGACY;
    }

    /** Scans through the loading code, reporting every global of every pickle: {@link LegacyReader#scan}. */
    @Override
    public ScanReport scan(FileProbe probe, LoadOptions options) {
        PtsafeException tar = tarRefusal(probe);
        if (tar == null) {
            return LegacyReader.scan(probe, options);
        }
        ScanReport.Builder report = ScanReport.builder(probe.path(), ContainerKind.TAR);
        ScanSupport.refused(report, tar, Location.FILE);
        return report.build();
    }
}
