#!/bin/sh
# message_both.sh SOFTPHONE [ARGS...] — instant messages both ways between
# two softphone processes on 127.0.0.1: each sends one MESSAGE to the other
# (--message) and prints the one it receives. Each must know the other's
# port before it starts, so the ports are chosen from the shell's PID
# (20000..39998) rather than by the system.
set -u
phone=$1
shift
dir=$(mktemp -d)
trap 'kill $bob 2>/dev/null; rm -rf "$dir"' EXIT
pb=$((20000 + ($$ % 10000) * 2))
pa=$((pb + 1))
"$phone" --listen "udp:127.0.0.1:$pb" --user bob --message "sip:alice@127.0.0.1:$pa" "hi alice, from bob" \
	--message-delay 1 --duration 3 "$@" >"$dir/bob" 2>&1 &
bob=$!
i=0
until grep -q '^READY' "$dir/bob" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 200 ] && { echo "bob never got ready:"; cat "$dir/bob"; exit 1; }
	sleep 0.05
done
"$phone" --listen "udp:127.0.0.1:$pa" --user alice --message "sip:bob@127.0.0.1:$pb" "hello bob" \
	--duration 3 "$@" >"$dir/alice" 2>&1
arc=$?
wait $bob
brc=$?
echo "--- alice (exit $arc)"; cat "$dir/alice"
echo "--- bob (exit $brc)"; cat "$dir/bob"
[ $arc -eq 0 ] && [ $brc -eq 0 ] || exit 1
for want in "MSG sent 200" "MSG from sip:bob@127.0.0.1 hi alice, from bob"; do
	grep -q "^$want\$" "$dir/alice" || { echo "alice: missing '$want'"; exit 1; }
done
for want in "MSG sent 200" "MSG from sip:alice@127.0.0.1 hello bob"; do
	grep -q "^$want\$" "$dir/bob" || { echo "bob: missing '$want'"; exit 1; }
done
echo PASS
