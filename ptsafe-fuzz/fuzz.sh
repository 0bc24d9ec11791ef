#!/usr/bin/env bash
# Fuzzes the ptsafe-fuzz targets with Jazzer, each for a bounded time in its own JVM, and fails
# (exit 1) on any finding: an exception other than PtsafeException, an Error, a timeout (10 s per
# input), or running out of the 256 MB heap. Prints one line per target with its executions.
#
#   ptsafe-fuzz/fuzz.sh [DURATION] [TESTS] [MAVEN ARGS...]
#     DURATION  per target, in Jazzer's syntax: 30s (default), 10m, 2h
#     TESTS     surefire -Dtest pattern: '*FuzzTest' (default), or e.g. TorchZipFuzzTest
#     e.g. -Dptsafe.fuzz.defaults=true fuzzes with LoadOptions.defaults() (see Hostile.OPTIONS)
#
# Findings are written to ptsafe-fuzz/src/test/resources/io/ptsafe/fuzz/<Target>Inputs/<method>/
# (crash-*, timeout-*): commit them with the fix, and the normal build replays them.
# The corpus grown while fuzzing stays in ptsafe-fuzz/.cifuzz-corpus/ (not committed).
set -uo pipefail
cd "$(dirname "$0")/.."
duration=${1:-30s}
tests=${2:-'*FuzzTest'}
shift $(( $# < 2 ? $# : 2 ))
log=ptsafe-fuzz/target/fuzz.log
mkdir -p ptsafe-fuzz/target

JAZZER_FUZZ=1 mvn -B -pl ptsafe-fuzz -am test -Dtest="$tests" -Dsurefire.failIfNoSpecifiedTests=false \
    -Djazzer.max_duration="$duration" "$@" >"$log" 2>&1
status=$?

# libFuzzer writes natively to the forked JVM's stderr, which lands in the Maven log: read it there.
echo "Fuzzing, $duration per target (full log: $log):"
awk '
    /Running io\.ptsafe\./ { sub(/.*Running /, ""); sub(/.*\./, ""); target = $0; next }
    /^#[0-9]+[ \t]+DONE/ { stats = $0; sub(/^#[0-9]+[ \t]+DONE[ \t]+/, "", stats) }
    /^Done [0-9]+ runs in/ { printf "  %-26s %s (%s)\n", target, $0, stats }
    /^== Java Exception|ERROR: libFuzzer|Test unit written to|^Base64:|^DEDUP_TOKEN/ { print "  " target ": " $0; ctx = 12; next }
    ctx > 0 { print "      " $0; ctx-- }
' "$log"
grep -E 'Tests run:|BUILD|ERROR\]' "$log" | grep -vE '^\[ERROR\] *$' | tail -12
exit $status
