#!/bin/sh
# subscribe_notify.sh SOFTPHONE [ARGS...] — presence between two softphone
# processes on 127.0.0.1: bob is the notifier (--notify-state: he accepts
# SUBSCRIBE with a PIDF document), alice subscribes, sees the subscription
# active and bob's state, and unsubscribes at the end of her --duration.
set -u
phone=$1
shift
dir=$(mktemp -d)
trap 'kill $bob 2>/dev/null; rm -rf "$dir"' EXIT
"$phone" --listen udp:127.0.0.1:0 --user bob --notify-state open "at my desk" --duration 4 "$@" >"$dir/bob" 2>&1 &
bob=$!
i=0
until grep -q '^READY' "$dir/bob" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 200 ] && { echo "bob never got ready:"; cat "$dir/bob"; exit 1; }
	sleep 0.05
done
addr=$(awk '/^READY/ {print $4}' "$dir/bob")
"$phone" --listen udp:127.0.0.1:0 --user alice --subscribe "sip:bob@$addr" presence --duration 1 "$@" >"$dir/alice" 2>&1
arc=$?
wait $bob
brc=$?
echo "--- alice (exit $arc)"; cat "$dir/alice"
echo "--- bob (exit $brc)"; cat "$dir/bob"
[ $arc -eq 0 ] && [ $brc -eq 0 ] || exit 1
for want in "SUB active" "NOTIFY application/pidf+xml " "PRESENCE open at my desk" "SUB terminated"; do
	grep -q "^$want" "$dir/alice" || { echo "alice: missing '$want'"; exit 1; }
done
for want in "SUBSCRIBE from sip:alice@127.0.0.1 presence" "NOTIFIER terminated unsubscribed"; do
	grep -q "^$want" "$dir/bob" || { echo "bob: missing '$want'"; exit 1; }
done
echo PASS
