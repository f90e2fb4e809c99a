# Sourced by kvmj's scripts: sets JAVA_HOME to a JDK >= 25 (JAVA_HOME if it qualifies, else the newest
# under /usr/lib/jvm), or prints why not and returns 1. kvmj needs 25 for the finished FFM API.
kvmj_java_major() {
  # The JDK's release file says JAVA_VERSION="25.0.3" without starting a JVM (which costs ~50 ms);
  # "java -version" is the fallback. "1.8.0_..." style versions map to 8.
  local v=""
  [ -f "$1/release" ] && v=$(sed -n 's/^JAVA_VERSION="\([0-9][0-9.]*\).*/\1/p' "$1/release")
  [ -n "$v" ] || v=$("$1/bin/java" -version 2>&1 | sed -n '1s/^[^"]*"\([0-9][0-9.]*\).*/\1/p')
  echo "$v" | sed 's/^1\.//; s/\..*//'
}
kvmj_find_jdk() {
  local candidate major best="" best_major=0
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    major=$(kvmj_java_major "$JAVA_HOME")
    if [ "${major:-0}" -ge 25 ]; then return 0; fi
  fi
  for candidate in /usr/lib/jvm/*; do
    [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(kvmj_java_major "$candidate")
    if [ "${major:-0}" -ge 25 ] && [ "$major" -gt "$best_major" ]; then best=$candidate; best_major=$major; fi
  done
  if [ -z "$best" ]; then
    echo "kvmj: no JDK 25 or newer found (JAVA_HOME=${JAVA_HOME:-unset}, nothing suitable under /usr/lib/jvm)." >&2
    echo "kvmj: install one (e.g. Temurin 25) and point JAVA_HOME at it." >&2
    return 1
  fi
  export JAVA_HOME=$best
}
# Maven's bundled Guice calls sun.misc.Unsafe, which JDK 25 warns about on every build; the JDK-25-only
# option lives here rather than in .mvn/jvm.config so ./mvnw run by hand on an older JDK still reaches the
# enforcer's clear "needs JDK 25" message.
kvmj_quiet_maven() {
  export MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow${MAVEN_OPTS:+ $MAVEN_OPTS}"
}
