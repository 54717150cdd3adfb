#!/usr/bin/env bash
# Installs what uncounted needs from outside Python: a Java runtime (17 or newer) for the Spark
# linkage backend (pyspark 4). Called by bootstrap.sh; safe to run again: it does nothing and
# prints nothing when a suitable `java` is already there. Debian/Ubuntu (apt-get) only.
set -euo pipefail

min_java=17

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

java_major() {
  local java_bin
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    java_bin="$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    java_bin=java
  else
    echo 0
    return
  fi
  # `java -version` prints e.g. openjdk version "17.0.15" 2025-04-15 (or "1.8.0_392" for 8).
  "$java_bin" -version 2>&1 | sed -n 's/.*version "\([0-9]*\)\.\{0,1\}\([0-9]*\).*/\1 \2/p' | head -n 1 |
    awk '{ if ($1 == 1) print $2; else print $1 }'
}

major="$(java_major)"
if [ "${major:-0}" -ge "$min_java" ] 2>/dev/null; then
  exit 0
fi
[ "${major:-0}" = 0 ] && major=none

if ! command -v apt-get >/dev/null 2>&1; then
  echo "the Spark backend needs a Java runtime, $min_java or newer (found: $major);" \
    "install one with your system's package manager" >&2
  exit 1
fi

echo "installing a Java runtime for the Spark backend (default-jre-headless)" >&2
export DEBIAN_FRONTEND=noninteractive
# Slim Debian images lack this folder, and the JRE's post-install script then fails.
as_root mkdir -p /usr/share/man/man1
as_root apt-get update -qq
as_root apt-get install -y -qq --no-install-recommends default-jre-headless >/dev/null ||
  as_root apt-get install -y -qq --no-install-recommends "openjdk-${min_java}-jre-headless" >/dev/null

major="$(java_major)"
if ! [ "${major:-0}" -ge "$min_java" ] 2>/dev/null; then
  echo "installed a Java runtime, but no \`java\` $min_java or newer is on PATH:" \
    "set JAVA_HOME to a Java $min_java+ installation" >&2
  exit 1
fi
