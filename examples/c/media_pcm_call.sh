#!/bin/sh
# media_pcm_call.sh MEDIA_PCM — two media_pcm processes (the media table in
# PCM mode) call each other over 127.0.0.1: each supplies a tone through the
# frame demand (1000 Hz one way, 600 Hz the other) and checks with a
# Goertzel filter that the other's tone is what it receives.
set -u
bin=$1
dir=$(mktemp -d)
trap 'kill $callee 2>/dev/null; rm -rf "$dir"' EXIT
"$bin" --listen "udp:127.0.0.1:0" --user bob --auto-answer --tone 600 --expect 1000 --duration 15 >"$dir/bob" 2>&1 &
callee=$!
i=0
until grep -q '^READY' "$dir/bob"; do
	i=$((i + 1))
	[ $i -gt 200 ] && { echo "callee never got ready:"; cat "$dir/bob"; exit 1; }
	sleep 0.05
done
addr=$(awk '/^READY/ {print $4}' "$dir/bob")
"$bin" --listen "udp:127.0.0.1:0" --user alice --call "sip:bob@$addr" --tone 1000 --expect 600 --duration 2 >"$dir/alice" 2>&1
arc=$?
wait $callee
brc=$?
echo "--- alice (exit $arc)"; cat "$dir/alice"
echo "--- bob (exit $brc)"; cat "$dir/bob"
[ $arc -eq 0 ] && [ $brc -eq 0 ] || exit 1
for f in alice bob; do
	for want in "MEDIA update PCMU/8000" "CALL confirmed" "CALL disconnected 200" "MEDIA frames"; do
		grep -q "^$want" "$dir/$f" || { echo "$f: missing '$want'"; exit 1; }
	done
done
echo PASS
