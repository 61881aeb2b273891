#!/usr/bin/env bash
# Compiles the binding into build/libsts-java.jar with javac + jar (no Maven, no downloads).
# Needs Java 17+ and Debian's libjna-java (/usr/share/java/jna.jar).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JNA_JAR="${JNA_JAR:-/usr/share/java/jna.jar}"
[[ -f "$JNA_JAR" ]] || { echo "build.sh: $JNA_JAR not found (apt-get install libjna-java, or set JNA_JAR)" >&2; exit 1; }
command -v javac >/dev/null || { echo "build.sh: javac not found (apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }
rm -rf "$here/build/classes"
mkdir -p "$here/build/classes"
find "$here/src/main/java" -name '*.java' > "$here/build/main-sources.txt"
javac --release 17 -encoding UTF-8 -Xlint:all -Werror -cp "$JNA_JAR" -d "$here/build/classes" @"$here/build/main-sources.txt"
jar --create --file "$here/build/libsts-java.jar" -C "$here/build/classes" .
echo "built $here/build/libsts-java.jar"
