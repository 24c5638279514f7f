#!/bin/sh
# test.sh LIB: runs the Python binding's smoke test against the library LIB
# (e.g. build/libsk400vop.so.1); exits non-zero when a test fails.
set -eu
if [ $# -ne 1 ] || [ ! -f "$1" ]; then
    echo "usage: $0 path/to/libsk400vop.so.1" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
SK400VOP_LIB=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
export SK400VOP_LIB
# No __pycache__ left in the tree; the timeout is a backstop over the tests' own 10 s waits.
export PYTHONDONTWRITEBYTECODE=1
exec timeout 300 python3 -m unittest discover -s "$here/tests" -t "$here/tests" -v
