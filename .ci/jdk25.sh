# Sourced: sets JAVA_HOME to a JDK 25 (the one already set if it is 25, else the first under /usr/lib/jvm).
jdk_is_25() { [ -x "$1/bin/java" ] && "$1/bin/java" -version 2>&1 | grep -q 'version "25'; }
if [ -z "${JAVA_HOME:-}" ] || ! jdk_is_25 "$JAVA_HOME"; then
  for d in /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    if jdk_is_25 "$d"; then export JAVA_HOME="$d"; break; fi
  done
fi
if [ -z "${JAVA_HOME:-}" ] || ! jdk_is_25 "$JAVA_HOME"; then
  echo "no JDK 25 found (set JAVA_HOME to one)" >&2
  exit 1
fi
export PATH="$JAVA_HOME/bin:$PATH"
