#!/usr/bin/env bash
# Issue 17's targets in one run (about 10 minutes on a quiet 2-core machine), one Markdown table at the end.
#
#   ptsafe-bench/issue17.sh            # JMH_ARGS="-f 1 -wi 3 -w 2s -i 5 -r 2s" by default
#   (PTSAFE_BENCH_DATA, PTSAFE_HEAP_DATA: input folders; PTSAFE_ST: an unpacked safetensors 0.8.0 wheel)
#
# Runs only what the targets need, back to back so each ratio's two figures share the machine's state:
#   1. JMH: safetensors open, the bare jackson token pass over the same header, torch zip open and
#      its Pyrolite peer, legacy open (1,000 and 20,000 tensors each), convert vs Files.copy + force;
#   2. the Python anchors: safetensors 0.8 safe_open + keys() (the wheel on PYTHONPATH, as run.sh),
#      torch.load(weights_only=True) on the zip and legacy files;
#   3. heap retained per tensor after opening open-100000.{safetensors,pt}, and the smallest
#      maxDecodedBytes that opens open-100000.pt (bisection to 1%);
#   4. ratios.py --issue17: target, ptsafe, anchor, ratio, met or not, with machine and load.
# Results land in ptsafe-bench/target/results-issue17 (ratios.md is the table).
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/jdk25.sh
DATA="${PTSAFE_BENCH_DATA:-$PWD/ptsafe-bench/target/bench-data}"
HEAP_DATA="${PTSAFE_HEAP_DATA:-$PWD/ptsafe-bench/target/heap-data}"
OUT="$PWD/ptsafe-bench/target/results-issue17"
JMH_ARGS="${JMH_ARGS:--f 1 -wi 3 -w 2s -i 5 -r 2s}"
JAVA="$JAVA_HOME/bin/java"
mkdir -p "$DATA" "$HEAP_DATA" "$OUT"

mvn -q -B -pl ptsafe-bench -am package -DskipTests

for f in open-1000.pt open-20000.pt open-1000-legacy.pt open-20000-legacy.pt convert.pt; do
  if [ ! -f "$DATA/$f" ]; then
    /usr/bin/python3 ptsafe-bench/scripts/make_bench_data.py --out "$DATA" --sizes 1000,20000
    break
  fi
done
if [ ! -f "$HEAP_DATA/open-100000.pt" ]; then
  /usr/bin/python3 ptsafe-bench/scripts/make_bench_data.py --out "$HEAP_DATA" --sizes 100000 --legacy-sizes '' --convert-mib 0
fi
ST="${PTSAFE_ST:-$PWD/ptsafe-bench/target/safetensors-0.8.0}"
if [ ! -d "$ST/safetensors" ]; then
  pip download safetensors==0.8.0 --no-deps --only-binary=:all: -d "$ST.wheel" && (cd "$ST.wheel" && mkdir -p "$ST" && unzip -qo ./*.whl -d "$ST")
fi

ptsafe-bench/scripts/machine.sh "$JMH_ARGS" > "$OUT/machine.txt"

"$JAVA" -Dptsafe.bench.data="$DATA" -jar ptsafe-bench/target/benchmarks.jar \
  'OpenSafetensorsBench.ptsafeOpen|HeaderTokenBench.jacksonTokens|OpenTorchBench.(ptsafeOpen|ptsafeDataPkl|ptsafeDataPklLane|pyroliteDataPkl)|OpenLegacyBench.ptsafeOpen|ConvertBench.(ptsafeConvert|filesCopyForce)' \
  -p tensors=1000,20000 $JMH_ARGS -rf json -rff "$OUT/jmh.json" 2>&1 | grep -v '^WARNING' | tee "$OUT/jmh.txt"
echo "load after jmh: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"

# The JMH setup wrote open-N.safetensors into $DATA: the reference reads the same bytes.
PYTHONPATH="$ST" /usr/bin/python3 ptsafe-bench/scripts/time_safetensors_open.py --data "$DATA" --sizes 1000,20000 \
  --budget-s 10 --json "$OUT/safetensors_open.json" | tee "$OUT/safetensors_open.txt"
/usr/bin/python3 ptsafe-bench/scripts/time_torch_load.py --data "$DATA" --sizes 1000,20000 --repeat 21 --budget-s 15 \
  --json "$OUT/torch_load.json" | tee "$OUT/torch_load.txt"

"$JAVA" -Xmx2g -Dptsafe.bench.data="$HEAP_DATA" -cp ptsafe-bench/target/benchmarks.jar \
  io.ptsafe.bench.HeapPerTensor open-100000.safetensors | tee "$OUT/heap_per_tensor.txt"
"$JAVA" -Xmx2g -Dptsafe.bench.data="$HEAP_DATA" -Dptsafe.bench.budget=true -cp ptsafe-bench/target/benchmarks.jar \
  io.ptsafe.bench.HeapPerTensor open-100000.pt | tee -a "$OUT/heap_per_tensor.txt"

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
/usr/bin/python3 ptsafe-bench/scripts/ratios.py --issue17 "$OUT" | tee "$OUT/ratios.md"
