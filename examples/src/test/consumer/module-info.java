/** A project outside the ptsafe build: reads the API through ptsafe-pickle's {@code requires transitive}. */
module consumer {
    requires io.ptsafe.pickle;
}
