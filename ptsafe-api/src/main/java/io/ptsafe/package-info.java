/**
 * Loading model weights without executing anything in them: {@link io.ptsafe.SafeLoader} opens a
 * file as a {@link io.ptsafe.TensorFile} of {@link io.ptsafe.Tensor}s under
 * {@link io.ptsafe.LoadOptions}, and refuses what it cannot load safely with a
 * {@link io.ptsafe.PtsafeException} naming its {@link io.ptsafe.Reason}. Scanning without loading
 * reports in {@link io.ptsafe.scan}.
 */
package io.ptsafe;
