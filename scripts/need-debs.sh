#!/bin/sh
# need-debs.sh WHO ENTRY... — installs from Debian what the make target WHO
# needs and is missing, then checks it is there; fails loudly otherwise.
# An ENTRY is CMD:PACKAGE (needed: the command CMD, which PACKAGE provides)
# or :PACKAGE (needed: the package itself, e.g. a module without a command).
set -u
who=$1
shift
PATH=$PATH:/usr/sbin:/sbin
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
present() { # ENTRY
	cmd=${1%%:*}
	if [ -n "$cmd" ]; then command -v "$cmd" >/dev/null; else installed "${1#*:}"; fi
}
missing=
for e in "$@"; do
	present "$e" || missing="$missing ${e#*:}"
done
[ -z "$missing" ] && exit 0
echo "$who: installing$missing with apt-get"
sudo=
[ "$(id -u)" = 0 ] || sudo="sudo -n"
# shellcheck disable=SC2086 # $missing and $sudo are word lists
{ $sudo apt-get -q update && \
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -q -y --no-install-recommends \
		-o DPkg::Lock::Timeout=120 $missing; } ||
	{ echo "error: $who: apt-get could not install$missing (needs root or passwordless sudo and a Debian mirror)" >&2; exit 1; }
for e in "$@"; do
	present "$e" || { echo "error: $who: ${e#*:} still missing after apt-get" >&2; exit 1; }
done
