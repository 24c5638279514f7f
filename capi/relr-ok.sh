#!/bin/sh
# Prints 1 when the C toolchain given as $1 (default cc) can pack relative
# relocations (DT_RELR) and the host's glibc, which the library will then
# require, is 2.36 or newer; else 0. Used by the Makefile and CMakeLists.txt.
cc=${1:-cc}
v=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
major=${v%%.*}
minor=${v#*.}
minor=${minor%%.*}
case "$major$minor" in
'' | *[!0-9]*) echo 0; exit 0 ;;
esac
if [ "$major" -lt 2 ] || { [ "$major" -eq 2 ] && [ "$minor" -lt 36 ]; }; then
	echo 0
	exit 0
fi
if printf 'int main(void) { return 0; }\n' | "$cc" -x c - -o /dev/null -Wl,-z,pack-relative-relocs 2>/dev/null; then
	echo 1
else
	echo 0
fi
