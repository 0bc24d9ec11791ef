package io.ptsafe.pickle.zip;

import io.ptsafe.ContainerKind;
import io.ptsafe.LoadOptions;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.TensorFile;
import io.ptsafe.spi.FileProbe;
import io.ptsafe.spi.FormatProvider;
import java.io.IOException;

/**
 * Format provider "torch-zip": {@code torch.save} zip archives (torch 1.6 and later), recognised
 * by a zip local header at byte 0 ({@code PK\x03\x04}), opened and scanned by {@link TorchZipReader}
 * (which also reads a numpy .npz, through NpzReader, and tells TorchScript and torch.package archives
 * apart, for both).
 *
 * <p>Tensors are named by walking the unpickled tree depth-first in insertion order: dict keys (a
 * str as is, an int in decimal, any other hashable key in a Python-like repr) and list/tuple indices
 * joined with "."; a bare tensor at the root is named "". A tensor reachable under two names is listed
 * under both. {@link TensorFile#root()} is the whole tree (epoch, config, optimizer settings ...).
 */
public final class TorchZipProvider implements FormatProvider {

    @Override
    public String name() {
        return "torch-zip";
    }

    @Override
    public boolean recognizes(FileProbe probe) {
        return !probe.isDirectory() && probe.startsWith((byte) 'P', (byte) 'K', (byte) 3, (byte) 4);
    }

    @Override
    public TensorFile open(FileProbe probe, LoadOptions options) throws IOException {
        return TorchZipReader.open(probe, options);
    }

    @Override
    public ContainerKind container(FileProbe probe) {
        return ContainerKind.ZIP;
    }

    /** Scans through the loading code, reporting past the first problem where it can: {@link TorchZipReader#scan}. */
    @Override
    public ScanReport scan(FileProbe probe, LoadOptions options) {
        return TorchZipReader.scan(probe, options);
    }
}
