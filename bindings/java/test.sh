#!/bin/sh
# test.sh LIB — builds the Java binding against LIB (a libsk400vop.so.1, e.g.
# build/libsk400vop.so.1 from `make lib`) and runs its smoke test under
# -Xcheck:jni. Everything it builds goes to build/java/. Exits non-zero when
# a tool is missing, the build fails, the test fails, or the JNI checker warns.
set -eu

die() { echo "bindings/java/test.sh: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: sh bindings/java/test.sh /path/to/libsk400vop.so.1"
[ -f "$1" ] || die "no library at $1 (run make lib first)"
LIB=$(readlink -f "$1")
LIBDIR=$(dirname "$LIB")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$ROOT/build/java

for tool in javac java gcc; do
    command -v "$tool" >/dev/null 2>&1 ||
        die "$tool not found: install a JDK (Debian: apt-get install openjdk-17-jdk-headless) and gcc"
done
JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
[ -f "$JAVA_HOME/include/jni.h" ] || die "no jni.h under JAVA_HOME=$JAVA_HOME/include"

rm -rf "$OUT"
mkdir -p "$OUT/classes"

# The glue: public header only; DT_NEEDED is the library's SONAME
# (libsk400vop.so.1), found through the rpath.
gcc -std=c11 -O2 -g -Wall -Wextra -Werror -shared -fPIC \
    -I"$ROOT/include" -I"$JAVA_HOME/include" -I"$JAVA_HOME/include/linux" \
    -o "$OUT/libsk400vop_jni.so" "$HERE/jni/sk400vop_jni.c" \
    "$LIB" -Wl,-rpath,"$LIBDIR" -Wl,--no-undefined -lpthread

javac -Xlint:all -Werror -d "$OUT/classes" \
    "$HERE"/src/org/sk400vop/*.java "$HERE"/test/org/sk400vop/*.java

# The Go runtime in libsk400vop installs its own SIGSEGV/SIGBUS/SIGFPE/SIGPIPE
# handlers over the JVM's (forwarding faults that are not its own) and adds
# SA_ONSTACK to others; -Xcheck:jni warns about each. libjsig chains the
# handlers instead, as ART's libsigchain does on Android: preload it.
JSIG=
for f in "$JAVA_HOME/lib/libjsig.so" "$JAVA_HOME/lib/server/libjsig.so"; do
    [ -f "$f" ] && JSIG=$f && break
done
[ -n "$JSIG" ] || die "no libjsig.so under $JAVA_HOME/lib: the JVM's signal handlers cannot be chained"

# The test bounds its own waits (10 s each); timeout guards against a hang.
TIMEOUT=
command -v timeout >/dev/null 2>&1 && TIMEOUT="timeout 120"
rc=0
$TIMEOUT env LD_PRELOAD="$JSIG" java -Xcheck:jni -Djava.library.path="$OUT" -cp "$OUT/classes" \
    org.sk400vop.SmokeTest >"$OUT/smoke.log" 2>&1 || rc=$?
cat "$OUT/smoke.log"

# -Xcheck:jni reports misuse as "WARNING in native method", signal handler
# changes as "Warning: ... handler modified", a hard error as "FATAL ERROR";
# none changes the exit status.
if grep -iE "warning|fatal error" "$OUT/smoke.log" >/dev/null; then
    die "-Xcheck:jni reported problems (see above)"
fi
[ "$rc" -eq 0 ] || die "SmokeTest failed (exit $rc)"
echo "bindings/java/test.sh: ok"
