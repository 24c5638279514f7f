#!/bin/sh
# media_call.sh SOFTPHONE WAVTOOL [ARGS...] — a call with the built-in media
# between two softphone processes on 127.0.0.1: alice plays a 440 Hz WAV and
# sends DTMF 1 2 3 #; bob auto-answers and records. Passes when both exit 0,
# bob reports the four digits once each and in order, both print RTP
# figures with packets both ways, and bob's recording is a 440 Hz tone.
# ARGS go to both phones (e.g. --poll).
set -u
phone=$1 wavtool=$2
shift 2
dir=$(mktemp -d)
trap 'kill $callee 2>/dev/null; rm -rf "$dir"' EXIT
"$wavtool" gen "$dir/tone.wav" 440 2 >/dev/null || exit 1
"$phone" --listen udp:127.0.0.1:0 --user bob --auto-answer --record "$dir/heard.wav" --duration 15 "$@" \
	>"$dir/bob" 2>&1 &
callee=$!
i=0
until grep -q '^READY' "$dir/bob"; do
	i=$((i + 1))
	[ $i -gt 200 ] && { echo "callee never got ready:"; cat "$dir/bob"; exit 1; }
	sleep 0.05
done
addr=$(awk '/^READY/ {print $4}' "$dir/bob")
"$phone" --listen udp:127.0.0.1:0 --user alice --call "sip:bob@$addr" --play "$dir/tone.wav" --dtmf 123# \
	--duration 2.5 "$@" >"$dir/alice" 2>&1
arc=$?
wait $callee
brc=$?
echo "--- alice (exit $arc)"; cat "$dir/alice"
echo "--- bob (exit $brc)"; cat "$dir/bob"
[ $arc -eq 0 ] && [ $brc -eq 0 ] || exit 1
got=$(awk '/^DTMF/ {printf "%s", $2}' "$dir/bob")
[ "$got" = "123#" ] || { echo "bob: digits '$got', want '123#'"; exit 1; }
grep -q '^DTMF 1 rfc4733' "$dir/bob" || { echo "bob: digits did not come as RFC 4733"; exit 1; }
for f in alice bob; do
	# 2.5 s of call: about 125 packets each way, the tone's 2 s and then
	# silence (a finished WAV keeps RTP flowing).
	awk '/^RTP sent/ { if ($3 > 100 && $5 > 100 && $NF == "PCMU") ok = 1 } END { exit !ok }' "$dir/$f" ||
		{ echo "$f: no RTP figures with PCMU packets both ways"; exit 1; }
done
"$wavtool" check "$dir/heard.wav" 440 || exit 1
echo PASS
