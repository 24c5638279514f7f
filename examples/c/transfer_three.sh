#!/bin/sh
# transfer_three.sh SOFTPHONE [ARGS...] — a blind transfer among three
# softphone processes on 127.0.0.1: alice calls bob, transfers him to
# carol (REFER), bob accepts (--accept-transfer) and calls carol, carol
# answers; alice sees 202, the progress and a final 200, then hangs up;
# carol hangs up after her --duration, which ends bob's new call.
set -u
phone=$1
shift
dir=$(mktemp -d)
trap 'kill $bob $carol 2>/dev/null; rm -rf "$dir"' EXIT
ready() {
	i=0
	until grep -q '^READY' "$dir/$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 200 ] && { echo "$1 never got ready:"; cat "$dir/$1"; exit 1; }
		sleep 0.05
	done
	awk '/^READY/ {print $4}' "$dir/$1"
}
"$phone" --listen udp:127.0.0.1:0 --user carol --auto-answer --duration 3 "$@" >"$dir/carol" 2>&1 &
carol=$!
"$phone" --listen udp:127.0.0.1:0 --user bob --auto-answer --accept-transfer --duration 10 "$@" >"$dir/bob" 2>&1 &
bob=$!
caddr=$(ready carol)
baddr=$(ready bob)
"$phone" --listen udp:127.0.0.1:0 --user alice --call "sip:bob@$baddr" --transfer "sip:carol@$caddr" \
	--duration 10 "$@" >"$dir/alice" 2>&1
arc=$?
wait $bob
brc=$?
wait $carol
crc=$?
echo "--- alice (exit $arc)"; cat "$dir/alice"
echo "--- bob (exit $brc)"; cat "$dir/bob"
echo "--- carol (exit $crc)"; cat "$dir/carol"
[ $arc -eq 0 ] && [ $brc -eq 0 ] && [ $crc -eq 0 ] || exit 1
for want in "CALL confirmed" "XFER 202" "XFER progress 100" "XFER done 200" "CALL disconnected 200"; do
	grep -q "^$want" "$dir/alice" || { echo "alice: missing '$want'"; exit 1; }
done
for want in "CALL incoming sip:alice@" "XFER request sip:carol@$caddr" "CALL disconnected 200"; do
	grep -q "^$want" "$dir/bob" || { echo "bob: missing '$want'"; exit 1; }
done
[ "$(grep -c '^CALL confirmed' "$dir/bob")" -eq 2 ] || { echo "bob: not two calls confirmed"; exit 1; }
for want in "CALL incoming sip:bob@" "CALL confirmed" "CALL disconnected 200"; do
	grep -q "^$want" "$dir/carol" || { echo "carol: missing '$want'"; exit 1; }
done
echo PASS
