#!/usr/bin/env bash
# Prints a JAVA_HOME for PyFlink (Java 11 or 17). Uses the machine's `java` when it is one of those,
# otherwise installs Debian's openjdk-17-jre-headless with apt-get (saying so on stderr first).
set -euo pipefail
major() { "$1" -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -n 1; }
if command -v java >/dev/null; then
  found=$(major java)
  if [[ "$found" == 11 || "$found" == 17 ]]; then
    echo "flink-test: using the installed Java $found" >&2
    dirname "$(dirname "$(readlink -f "$(command -v java)")")"
    exit 0
  fi
  echo "flink-test: the installed Java is ${found:-unknown}, PyFlink needs 11 or 17" >&2
fi
home=/usr/lib/jvm/java-17-openjdk-$(dpkg --print-architecture)
if [[ ! -x "$home/bin/java" ]]; then
  echo "flink-test: installing Debian's openjdk-17-jre-headless with apt-get" >&2
  sudo=$([[ $(id -u) == 0 ]] || echo sudo)
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq openjdk-17-jre-headless >&2
fi
echo "$home"
