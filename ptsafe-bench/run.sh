#!/usr/bin/env bash
# Runs the whole benchmark suite and prints the ratio tables of BENCHMARKS.md.
#
#   ptsafe-bench/run.sh                 # the real run: JMH -f 1 -wi 3 -w 2s -i 5 -r 2s, 256 MiB read files, 4 GiB heap check
#   JMH_ARGS="-f 1 -wi 1 -i 1 -r 1s" ptsafe-bench/run.sh ReadBench   # extra arguments go to JMH (e.g. a filter)
#
# Steps: build benchmarks.jar (tests skipped; `mvn verify` runs the smoke test), make the torch inputs
# with Debian's torch if missing, run JMH (safetensors inputs are written by the benchmarks' setup),
# time torch.load on the same files, run the heap check in a child JVM with -Xmx64m, record the
# machine, compute ratios. Everything lands in ptsafe-bench/target/results.
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/jdk25.sh
DATA="${PTSAFE_BENCH_DATA:-$PWD/ptsafe-bench/target/bench-data}"
OUT="$PWD/ptsafe-bench/target/results"
JMH_ARGS="${JMH_ARGS:--f 1 -wi 3 -w 2s -i 5 -r 2s}"
HEAP_FILE="${HEAP_FILE:-4g}"
mkdir -p "$DATA" "$OUT"

mvn -q -B -pl ptsafe-bench -am package -DskipTests

if [ ! -f "$DATA/open-20000.pt" ] || [ ! -f "$DATA/convert.pt" ]; then
  /usr/bin/python3 ptsafe-bench/scripts/make_bench_data.py --out "$DATA"
fi

ptsafe-bench/scripts/machine.sh "$JMH_ARGS $*" > "$OUT/machine.txt"

"$JAVA_HOME/bin/java" -Dptsafe.bench.data="$DATA" -jar ptsafe-bench/target/benchmarks.jar \
  $JMH_ARGS -rf json -rff "$OUT/jmh.json" "$@" 2>&1 | grep -v '^WARNING' | tee "$OUT/jmh.txt"

/usr/bin/python3 ptsafe-bench/scripts/time_torch_load.py --data "$DATA" --json "$OUT/torch_load.json" | tee "$OUT/torch_load.txt"

# The safetensors 0.8 reference (a wheel, unpacked onto PYTHONPATH for Debian's python3): safe_open + keys().
ST="$PWD/ptsafe-bench/target/safetensors-0.8.0"
if [ ! -d "$ST/safetensors" ]; then
  pip download safetensors==0.8.0 --no-deps --only-binary=:all: -d "$ST.wheel" && (cd "$ST.wheel" && mkdir -p "$ST" && unzip -qo ./*.whl -d "$ST")
fi
PYTHONPATH="$ST" /usr/bin/python3 ptsafe-bench/scripts/time_safetensors_open.py --data "$DATA" --json "$OUT/safetensors_open.json" | tee "$OUT/safetensors_open.txt"

# Retained heap per tensor of an open file, 100,000 tensors each (a JVM of its own; not in the page-cache-warm data dir).
HEAP_DATA="$PWD/ptsafe-bench/target/heap-data"
if [ ! -f "$HEAP_DATA/open-100000.pt" ]; then
  /usr/bin/python3 ptsafe-bench/scripts/make_bench_data.py --out "$HEAP_DATA" --sizes 100000 --legacy-sizes "" --convert-mib 0
fi
"$JAVA_HOME/bin/java" -Xmx2g -Dptsafe.bench.data="$HEAP_DATA" -cp ptsafe-bench/target/benchmarks.jar \
  io.ptsafe.bench.HeapPerTensor open-100000.safetensors open-100000.pt | tee "$OUT/heap_per_tensor.txt"

"$JAVA_HOME/bin/java" -Xmx64m -Xlog:gc:file="$OUT/heapbound-gc.log" -Dptsafe.bench.data="$DATA" \
  -cp ptsafe-bench/target/benchmarks.jar io.ptsafe.bench.HeapBound "$HEAP_FILE" | tee "$OUT/heapbound.txt"

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
cat "$OUT/machine.txt"
/usr/bin/python3 ptsafe-bench/scripts/ratios.py "$OUT" | tee "$OUT/ratios.md"
