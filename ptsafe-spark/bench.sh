#!/usr/bin/env bash
# The scale-out benchmark of the ptsafe data source (ScaleBench): files/s over N small checkpoints
# (copies of samples/mlp.pt and mlp.legacy.pt) with local[1] and local[2], against one process's
# SafeLoader.scanTree. Usage: ptsafe-spark/bench.sh [N=2000]   (needs JDK 25 as JAVA_HOME)
set -euo pipefail
cd "$(dirname "$0")"
mvn -B -q -o -f ../pom.xml -pl ptsafe-spark -am test-compile org.apache.maven.plugins:maven-dependency-plugin:3.9.0:build-classpath \
    -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
# Spark's launcher JVM options (the module pom's spark.argLine)
opts=$(sed -n '/<spark.argLine>/,/<\/spark.argLine>/p' pom.xml | sed 's/<[^>]*>//g' | tr -s ' \n' ' ')
exec "$JAVA_HOME/bin/java" $opts -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
    io.ptsafe.spark.bench.ScaleBench "${1:-2000}" target/bench-checkpoints ../samples
