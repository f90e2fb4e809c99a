# Sourced by kvmj's scripts: sets JAVA_HOME to a JDK >= 25 (JAVA_HOME if it qualifies, else the newest
# under /usr/lib/jvm), or prints why not and returns 1. kvmj needs 25 for the finished FFM API.
# Sets KVMJ_MAJOR to the feature version of the JDK at $1 (0 if unknown). The JDK's release file says
# JAVA_VERSION="25.0.3"; it is read with bash alone because this runs on every ./kvmj start, where each
# forked sed or subshell costs about a millisecond; "java -version" (~50 ms) is the fallback.
# "1.8.0_..." style versions map to 8.
kvmj_java_major() {
  local line v=""
  KVMJ_MAJOR=0
  if [ -f "$1/release" ]; then
    while IFS= read -r line; do
      if [[ $line =~ ^JAVA_VERSION=\"([0-9][0-9.]*) ]]; then v=${BASH_REMATCH[1]}; break; fi
    done < "$1/release"
  fi
  [ -n "$v" ] || v=$("$1/bin/java" -version 2>&1 | sed -n '1s/^[^"]*"\([0-9][0-9.]*\).*/\1/p' || true)
  v=${v#1.}
  v=${v%%.*}
  [[ $v =~ ^[0-9]+$ ]] && KVMJ_MAJOR=$v
  return 0
}
kvmj_find_jdk() {
  local candidate best="" best_major=0
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    kvmj_java_major "$JAVA_HOME"
    if [ "$KVMJ_MAJOR" -ge 25 ]; then return 0; fi
  fi
  for candidate in /usr/lib/jvm/*; do
    [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    kvmj_java_major "$candidate"
    if [ "$KVMJ_MAJOR" -ge 25 ] && [ "$KVMJ_MAJOR" -gt "$best_major" ]; then
      best=$candidate; best_major=$KVMJ_MAJOR
    fi
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
