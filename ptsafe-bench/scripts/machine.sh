#!/usr/bin/env bash
# Prints the facts a benchmark run is read against (machine, JDK, Python, load), one per line.
# Used by run.sh and issue17.sh: scripts/machine.sh "JMH ARGS" > OUT/machine.txt
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "nproc: $(nproc)"
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p')"
echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
echo "kernel: $(uname -r)"
echo "jdk: $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p)"
echo "python: $(/usr/bin/python3 -c 'import sys, torch; print(sys.version.split()[0], "torch", torch.__version__)')"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "jmh args: $*"
