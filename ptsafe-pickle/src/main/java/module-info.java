/**
 * torch checkpoints (zip and legacy) through a restricted pickle machine that cannot execute, and
 * numpy .npy/.npz arrays through a strict header grammar.
 */
module io.ptsafe.pickle {
    requires transitive io.ptsafe.api;

    provides io.ptsafe.spi.FormatProvider with io.ptsafe.pickle.zip.TorchZipProvider,
            io.ptsafe.pickle.legacy.TorchLegacyProvider, io.ptsafe.pickle.BarePickleProvider,
            io.ptsafe.pickle.npy.NpyProvider;
}
