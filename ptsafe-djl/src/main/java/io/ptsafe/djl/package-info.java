/**
 * PyTorch state dicts into DJL, and back, through ptsafe (no code from a file ever runs):
 * {@link io.ptsafe.djl.PtsafeNDList} for NDLists, {@link io.ptsafe.djl.StateDicts} for blocks (torch's
 * names, strict checks, engine-owned copies or read-only views), {@link io.ptsafe.djl.DjlOptions} and
 * {@link io.ptsafe.djl.KeyMapping} to tune them. Depends on DJL's API only; the tests run DJL's
 * PyTorch engine.
 */
package io.ptsafe.djl;
