#!/usr/bin/env bash
# Installs what uncounted needs from outside Python, from Debian's packages:
# - a Java runtime (17 or newer) for the Spark linkage backend (pyspark 4);
# - Chromium, which prints the report to PDF and runs the browser tests of the web app
#   (playwright drives /usr/bin/chromium; its own browser download is never used).
# Called by bootstrap.sh; safe to run again: it does nothing and prints nothing when both are
# there. Debian/Ubuntu (apt-get) only.
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

has_java() { [ "$(java_major)" -ge "$min_java" ] 2>/dev/null; }
has_chromium() { command -v chromium >/dev/null 2>&1; }

if has_java && has_chromium; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  has_java || echo "the Spark backend needs a Java runtime, $min_java or newer;" \
    "install one with your system's package manager" >&2
  has_chromium || echo "the PDF report and the browser tests need Chromium (a \`chromium\`" \
    "on PATH); install it with your system's package manager" >&2
  exit 1
fi

# Slim Debian images lack this folder, and the JRE's post-install script then fails.
as_root mkdir -p /usr/share/man/man1
as_root apt-get update -qq

if ! has_java; then
  as_root apt-get install -y -qq --no-install-recommends default-jre-headless >/dev/null ||
    as_root apt-get install -y -qq --no-install-recommends "openjdk-${min_java}-jre-headless" >/dev/null
  if ! has_java; then
    echo "installed a Java runtime, but no \`java\` $min_java or newer is on PATH:" \
      "set JAVA_HOME to a Java $min_java+ installation" >&2
    exit 1
  fi
fi

if ! has_chromium; then
  # fonts-noto-core carries Arabic and Hebrew glyphs (Noto Naskh Arabic, Noto Sans Hebrew), so
  # names in either script render in the report and the screenshots.
  as_root apt-get install -y -qq --no-install-recommends chromium fonts-noto-core \
    fonts-dejavu-core >/dev/null
  if ! has_chromium; then
    echo "installed Chromium, but no \`chromium\` is on PATH" >&2
    exit 1
  fi
fi
