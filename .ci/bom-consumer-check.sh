#!/usr/bin/env bash
# Checks that a consumer project naming only the BOM (no versions) resolves ptsafe's library modules
# from a local repository: installs this build into a throw-away local repository chained in front of
# ~/.m2 (Maven 3.9's maven.repo.local.tail, so ~/.m2 is only read), compiles .ci/bom-consumer against
# it and runs it on the bundled sample. Usage: .ci/bom-consumer-check.sh (add -o to stay offline).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(mktemp -d)"
trap 'rm -rf "$repo"' EXIT
chain=(-Dmaven.repo.local="$repo" -Dmaven.repo.local.tail="$HOME/.m2/repository")
./mvnw -B -q "$@" "${chain[@]}" install -DskipTests
for skipped in examples ptsafe-bench ptsafe-fuzz ptsafe-release-check; do
  if [ -e "$repo/io/ptsafe/$skipped" ]; then echo "$skipped was installed" >&2; exit 1; fi
done
./mvnw -B -q "$@" "${chain[@]}" -f .ci/bom-consumer/pom.xml compile \
  org.apache.maven.plugins:maven-dependency-plugin:3.9.0:build-classpath -Dmdep.outputFile="$repo/cp.txt"
. .ci/jdk25.sh
"$JAVA_HOME/bin/java" -cp ".ci/bom-consumer/target/classes:$(cat "$repo/cp.txt")" consumer.Main samples/mlp.pt
rm -rf .ci/bom-consumer/target
