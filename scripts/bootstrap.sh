#!/usr/bin/env bash
# Creates the virtual environment and installs uncounted with its test tools and the Spark
# backend (pyspark; scripts/system-deps.sh installs the Java runtime it needs, and Chromium
# for the PDF report and the browser tests).
# Works on a fresh Debian machine that has Python 3.11 and nothing else prepared: when the
# interpreter lacks venv/ensurepip (Debian splits them into python3-venv) it installs them.
set -euo pipefail
venv="${1:-.venv}"

python_bin=""
for candidate in python3.11 python3 python; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
    python_bin="$candidate"
    break
  fi
done
if [ -z "$python_bin" ]; then
  echo "uncounted needs Python 3.11 or newer on PATH" >&2
  exit 1
fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

if [ ! -x "$venv/bin/python" ]; then
  if ! "$python_bin" -m venv "$venv" 2>/dev/null; then
    rm -rf "$venv"
    echo "installing Debian's venv support for $python_bin" >&2
    version=$("$python_bin" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    as_root apt-get update -qq
    as_root apt-get install -y -qq "python${version}-venv" || as_root apt-get install -y -qq python3-venv
    "$python_bin" -m venv "$venv"
  fi
fi

"$venv/bin/python" -m pip install --quiet --upgrade pip
# constraints.txt pins every package to the versions the test suite last passed with.
# [spark]: pyspark for the Spark linkage backend, which the test suite runs too (a 456 MB
# download the first time; pip caches the wheel it builds).
"$venv/bin/python" -m pip install --quiet -c constraints.txt -e '.[dev,spark]'

if [ -x scripts/system-deps.sh ]; then
  bash scripts/system-deps.sh
fi
