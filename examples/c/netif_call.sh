#!/bin/sh
# netif_call.sh NETIF PROTO — two netif processes (the network table over
# their own BSD sockets and poll loop) call each other over 127.0.0.1; the
# caller dials the name netif.test, which its resolve callback answers.
# Passes when both exit 0 and print the expected lines.
set -u
bin=$1 proto=$2
dir=$(mktemp -d)
trap 'kill $callee 2>/dev/null; rm -rf "$dir"' EXIT
"$bin" --listen "$proto:127.0.0.1:0" --user bob --auto-answer --duration 15 >"$dir/bob" 2>&1 &
callee=$!
i=0
until grep -q '^READY' "$dir/bob"; do
	i=$((i + 1))
	[ $i -gt 200 ] && { echo "callee never got ready:"; cat "$dir/bob"; exit 1; }
	sleep 0.05
done
port=$(awk '/^READY/ {n = split($4, a, ":"); print a[n]}' "$dir/bob")
target="sip:bob@netif.test:$port"
[ "$proto" = udp ] || target="$target;transport=$proto"
"$bin" --listen "$proto:127.0.0.1:0" --user alice --call "$target" --duration 0.5 --trace >"$dir/alice" 2>&1
arc=$?
wait $callee
brc=$?
echo "--- alice (exit $arc)"; cat "$dir/alice"
echo "--- bob (exit $brc)"; cat "$dir/bob"
[ $arc -eq 0 ] && [ $brc -eq 0 ] || exit 1
for want in "RESOLVE netif.test 1" "CALL confirmed" "CALL disconnected 200" "TRACE out" "TRACE in"; do
	grep -q "^$want" "$dir/alice" || { echo "alice: missing '$want'"; exit 1; }
done
for want in "CALL incoming sip:alice@127.0.0.1" "CALL confirmed" "CALL disconnected 200"; do
	grep -q "^$want" "$dir/bob" || { echo "bob: missing '$want'"; exit 1; }
done
echo PASS
