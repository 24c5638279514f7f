#!/bin/sh
# two_phones.sh SOFTPHONE PROTO [CALLEE_ARGS...] — the loopback call test:
# a callee (auto-answer) and a caller, two processes on 127.0.0.1 with
# ports picked by the system, the caller holding, resuming and hanging up.
# Passes when both softphones exit 0 and print the expected event lines.
set -u
phone=$1 proto=$2
shift 2
dir=$(mktemp -d)
trap 'kill $callee 2>/dev/null; rm -rf "$dir"' EXIT
"$phone" --listen "$proto:127.0.0.1:0" --user bob --auto-answer --duration 15 "$@" >"$dir/bob" 2>&1 &
callee=$!
i=0
until grep -q '^READY' "$dir/bob"; do
	i=$((i + 1))
	[ $i -gt 200 ] && { echo "callee never got ready:"; cat "$dir/bob"; exit 1; }
	sleep 0.05
done
addr=$(awk '/^READY/ {print $4}' "$dir/bob")
target="sip:bob@$addr"
[ "$proto" = udp ] || target="$target;transport=$proto"
"$phone" --listen "$proto:127.0.0.1:0" --user alice --call "$target" --hold-after 0.3 --duration 1 >"$dir/alice" 2>&1
arc=$?
wait $callee
brc=$?
echo "--- alice (exit $arc)"; cat "$dir/alice"
echo "--- bob (exit $brc)"; cat "$dir/bob"
[ $arc -eq 0 ] && [ $brc -eq 0 ] || exit 1
for want in "CALL confirmed" "CALL held" "CALL resumed" "CALL disconnected 200"; do
	grep -q "^$want" "$dir/alice" || { echo "alice: missing '$want'"; exit 1; }
done
for want in "CALL incoming sip:alice@127.0.0.1" "CALL confirmed" "CALL disconnected 200"; do
	grep -q "^$want" "$dir/bob" || { echo "bob: missing '$want'"; exit 1; }
done
echo PASS
