#!/bin/sh
# footprint.sh FOOTPRINT LIB [FOOTPRINT_ARGS...] — issue 6's footprint
# figures (docs/PERFORMANCE.md "Footprint"): starts a Kamailio registrar on
# 127.0.0.1 (a static config written here, digest auth for user "alice",
# password "footprint", locations in memory) and runs the footprint
# program, which dlopen()s LIB, registers alice and prints time and RSS;
# extra arguments go to it (e.g. --idle 60 for the idle wake-ups).
#
#   make lib && cmake --build build/cmake --target footprint && \
#     sh examples/c/footprint.sh build/cmake/footprint build/libsk400vop.so.1 --idle 60
#   (or `make footprint`, IDLE=60 by default)
#
# Kamailio comes from Debian (`make interop` installs it). The port is
# picked at random in 20000-29999 and tried again if taken.
set -u
prog=$1 lib=$2
shift 2
PATH=$PATH:/usr/sbin:/sbin
# 77: skipped (ctest's SKIP_RETURN_CODE).
command -v kamailio >/dev/null || { echo "footprint: kamailio not found (apt-get install kamailio): skipped" >&2; exit 77; }
modules=
for m in /usr/lib/x86_64-linux-gnu/kamailio/modules /usr/lib/aarch64-linux-gnu/kamailio/modules /usr/lib/kamailio/modules; do
	[ -d "$m" ] && { modules=$m; break; }
done
[ -n "$modules" ] || { echo "footprint: Kamailio modules not found: skipped" >&2; exit 77; }

dir=$(mktemp -d)
kpid=
trap '[ -n "$kpid" ] && kill "$kpid" 2>/dev/null; rm -rf "$dir"' EXIT
trap 'exit 1' INT TERM

write_cfg() {
	cat >"$dir/kamailio.cfg" <<EOF
#!KAMAILIO
# Written by examples/c/footprint.sh: a registrar with digest auth, no database.
debug=1
log_stderror=yes
children=1
tcp_children=1
auto_aliases=no
listen=udp:127.0.0.1:$1
dns=no
rev_dns=no
use_dns_cache=no

loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "htable.so"
loadmodule "auth.so"

modparam("htable", "htable", "users=>size=4;autoexpire=0;")
modparam("usrloc", "db_mode", 0)
modparam("registrar", "min_expires", 10)

event_route[htable:mod-init] {
	\$sht(users=>alice) = "footprint";
}

request_route {
	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		exit;
	}
	if (method != "REGISTER") {
		sl_send_reply("405", "Method Not Allowed");
		exit;
	}
	if (\$au == \$null || \$sht(users=>\$au) == \$null) {
		auth_challenge("127.0.0.1", "1");
		exit;
	}
	if (pv_auth_check("127.0.0.1", "\$sht(users=>\$au)", "0", "1") < 0) {
		auth_challenge("127.0.0.1", "1");
		exit;
	}
	consume_credentials();
	if (!save("location")) {
		sl_reply_error();
	}
}
EOF
}

# bound PORT: whether something listens on 127.0.0.1:PORT/udp.
bound() {
	hex=$(printf '%04X' "$1")
	grep -q "0100007F:$hex " /proc/net/udp
}

port=
for try in 1 2 3 4 5; do
	p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 10000 ))
	bound "$p" && continue
	write_cfg "$p"
	kamailio -c -f "$dir/kamailio.cfg" -L "$modules" >"$dir/check.log" 2>&1 ||
		{ echo "footprint: kamailio -c failed:" >&2; cat "$dir/check.log" >&2; exit 1; }
	kamailio -DD -E -f "$dir/kamailio.cfg" -P "$dir/kamailio.pid" -Y "$dir" -m 32 -M 4 -L "$modules" \
		>"$dir/kamailio.log" 2>&1 &
	kpid=$!
	i=0
	while [ $i -lt 100 ] && kill -0 "$kpid" 2>/dev/null && ! bound "$p"; do
		i=$((i + 1))
		sleep 0.05
	done
	if bound "$p" && kill -0 "$kpid" 2>/dev/null; then
		port=$p
		break
	fi
	kill "$kpid" 2>/dev/null
	wait "$kpid" 2>/dev/null
	kpid=
done
[ -n "$port" ] || { echo "footprint: Kamailio did not start:" >&2; cat "$dir/kamailio.log" >&2; exit 1; }
echo "kamailio 127.0.0.1:$port (pid $kpid)"

"$prog" --lib "$lib" --registrar "sip:127.0.0.1:$port" --user alice --password footprint "$@"
rc=$?
[ $rc -eq 0 ] || { echo "--- kamailio log"; tail -n 40 "$dir/kamailio.log"; }
exit $rc
