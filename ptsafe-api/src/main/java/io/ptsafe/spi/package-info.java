/**
 * The format provider SPI: how ptsafe's own format modules ({@code io.ptsafe.safetensors},
 * {@code io.ptsafe.pickle}) plug into {@link io.ptsafe.SafeLoader}, and the helpers they share.
 * Exported to those modules only: third-party formats are not a goal of 1.0, and nothing here is
 * public API (it may change in any release).
 */
package io.ptsafe.spi;
