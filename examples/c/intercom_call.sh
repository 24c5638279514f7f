#!/bin/sh
# intercom_call.sh INTERCOM SOFTPHONE WAVTOOL — the intercom answers a
# softphone call by itself and loops its chime; the caller keys a wrong PIN,
# then the right one; the intercom opens the door and hangs up. Passes when
# both exit 0, the intercom printed "DOOR denied" then "DOOR open", and the
# caller's recording holds the 660 Hz chime.
set -u
intercom=$1 phone=$2 wavtool=$3
dir=$(mktemp -d)
trap 'kill $door 2>/dev/null; rm -rf "$dir"' EXIT
"$intercom" --listen udp:127.0.0.1:0 --pin 42 --once --expect-door --duration 10 >"$dir/door" 2>&1 &
door=$!
i=0
until grep -q '^READY' "$dir/door"; do
	i=$((i + 1))
	[ $i -gt 200 ] && { echo "intercom never got ready:"; cat "$dir/door"; exit 1; }
	sleep 0.05
done
addr=$(awk '/^READY/ {print $4}' "$dir/door")
"$phone" --listen udp:127.0.0.1:0 --user visitor --call "sip:door@$addr" --dtmf 7#42# --record "$dir/heard.wav" \
	--duration 8 >"$dir/visitor" 2>&1
vrc=$?
wait $door
drc=$?
echo "--- visitor (exit $vrc)"; cat "$dir/visitor"
echo "--- intercom (exit $drc)"; cat "$dir/door"
[ $vrc -eq 0 ] && [ $drc -eq 0 ] || exit 1
[ "$(grep '^DOOR' "$dir/door" | tr '\n' ' ')" = "DOOR denied DOOR open " ] ||
	{ echo "intercom: want DOOR denied, then DOOR open"; exit 1; }
grep -q '^CALL disconnected 200 BYE remote' "$dir/visitor" || { echo "visitor: the intercom did not hang up"; exit 1; }
"$wavtool" check "$dir/heard.wav" 660 || exit 1
echo PASS
