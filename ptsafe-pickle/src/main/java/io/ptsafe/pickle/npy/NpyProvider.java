package io.ptsafe.pickle.npy;

import io.ptsafe.ContainerKind;
import io.ptsafe.LoadOptions;
import io.ptsafe.TensorFile;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.spi.FileProbe;
import io.ptsafe.spi.FormatProvider;
import java.io.IOException;

/**
 * Format provider "numpy-npy": a numpy {@code .npy} array ({@code np.save}), recognised by numpy's
 * magic string {@code \x93NUMPY} at byte 0, whatever the file's name, and read by {@link NpyReader}.
 * ({@code .npz} archives are zips: the torch-zip provider tells them apart and reads them.)
 */
public final class NpyProvider implements FormatProvider {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    @Override
    public String name() {
        return "numpy-npy";
    }

    @Override
    public boolean recognizes(FileProbe probe) {
        return !probe.isDirectory() && probe.startsWith(MAGIC);
    }

    @Override
    public TensorFile open(FileProbe probe, LoadOptions options) throws IOException {
        return NpyReader.open(probe, options);
    }

    @Override
    public ContainerKind container(FileProbe probe) {
        return ContainerKind.NUMPY;
    }

    @Override
    public ScanReport scan(FileProbe probe, LoadOptions options) {
        return NpyReader.scan(probe, options);
    }
}
