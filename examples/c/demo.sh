#!/bin/sh
# demo.sh BUILD_DIR — what `make demo` runs once the C examples are built:
# two softphone processes call each other directly over 127.0.0.1 (no
# server). alice plays a generated 2 s 440 Hz WAV and sends DTMF 123#; bob
# answers by itself and records what he hears. Prints both phones' events,
# the SIP ladder of alice's trace, the RTP figures and the check of the
# recording; exits 0 only if the call was set up and ended cleanly, bob got
# 1 2 3 # once each by RFC 4733, RTP flowed both ways, and the recording is
# a 440 Hz tone.
set -u
bin=$1
phone=$bin/softphone wavtool=$bin/wavtool
out=$bin/demo
rm -rf "$out" && mkdir -p "$out" || exit 1
callee=
trap '[ -n "$callee" ] && kill $callee 2>/dev/null' EXIT
failed=0
check() { # check DESCRIPTION COMMAND...: one line of the verdict
	d=$1; shift
	if "$@"; then echo "  ok    $d"; else echo "  FAIL  $d"; failed=1; fi
}

echo "== sk400vop demo: a call between two softphones on 127.0.0.1, no server"
"$wavtool" gen "$out/tone.wav" 440 2 | sed 's/^/   /' || exit 1

"$phone" --listen udp:127.0.0.1:0 --user bob --auto-answer --record "$out/heard.wav" --duration 15 \
	>"$out/bob.log" 2>&1 &
callee=$!
i=0
until grep -qs '^READY' "$out/bob.log"; do
	i=$((i + 1))
	[ $i -gt 200 ] && { echo "bob never got ready:"; cat "$out/bob.log"; exit 1; }
	sleep 0.05
done
bob=$(awk '/^READY/ {print $4}' "$out/bob.log")
echo "   bob:   softphone --auto-answer --record heard.wav        (listening on $bob)"
echo "   alice: softphone --call sip:bob@$bob --play tone.wav --dtmf 123# --duration 3 --trace"
"$phone" --listen udp:127.0.0.1:0 --user alice --call "sip:bob@$bob" --play "$out/tone.wav" --dtmf 123# \
	--duration 3 --trace >"$out/alice.log" 2>&1
arc=$?
wait $callee
brc=$?
callee=
alice=$(awk '/^READY/ {print $4}' "$out/alice.log")

echo
echo "== alice's events (exit $arc)"
grep -v '^SIP ' "$out/alice.log" | sed 's/^/   /'
echo "== bob's events (exit $brc)"
sed 's/^/   /' "$out/bob.log"

echo
echo "== SIP ladder (from alice's trace: on_sip_trace)"
awk -v a="alice $alice" -v b="bob $bob" '
	BEGIN { w = 44; printf "   %-*s%s\n", w + 4, a, b }
	/^SIP [<>] / {
		line = $4; for (i = 5; i <= NF; i++) line = line " " $i
		if ($4 == "SIP/2.0") { line = $5; for (i = 6; i <= NF; i++) line = line " " $i }
		else sub(/ SIP\/2\.0$/, "", line)
		if (length(line) > w - 6) line = substr(line, 1, w - 6)
		if ($2 == ">") {
			arrow = "-- " line " "; while (length(arrow) < w - 1) arrow = arrow "-"; arrow = arrow ">"
		} else {
			arrow = " " line " --"; while (length(arrow) < w - 1) arrow = "-" arrow; arrow = "<" arrow
		}
		printf "   |%s|\n", arrow
	}' "$out/alice.log"

echo
echo "== RTP (each phone's figures when its call ended)"
for p in alice bob; do
	printf '   %-6s %s\n' "$p" "$(grep '^RTP sent' "$out/$p.log")"
done

echo
echo "== recording"
"$wavtool" check "$out/heard.wav" 440 >"$out/check.txt" 2>&1
wrc=$?
sed 's/^/   /' "$out/check.txt"

echo
echo "== verdict"
check "both softphones exited 0" [ $arc -eq 0 -a $brc -eq 0 ]
check "INVITE, 180, 200, ACK, BYE, 200 on the wire" sh -c "
	grep -q '^SIP > .* INVITE ' '$out/alice.log' && grep -q '^SIP < .* SIP/2.0 180' '$out/alice.log' &&
	grep -q '^SIP < .* SIP/2.0 200' '$out/alice.log' && grep -q '^SIP > .* ACK ' '$out/alice.log' &&
	grep -q '^SIP > .* BYE ' '$out/alice.log' && [ \$(grep -c '^SIP < .* SIP/2.0 200' '$out/alice.log') -ge 2 ]"
check "call confirmed on both sides, ended by alice's BYE" sh -c "
	grep -q '^CALL confirmed' '$out/alice.log' && grep -q '^CALL confirmed' '$out/bob.log' &&
	grep -q '^CALL disconnected 200 .*remote' '$out/bob.log'"
check "bob received DTMF 1 2 3 # by RFC 4733, once each, in order" sh -c "
	[ \"\$(awk '/^DTMF/ {printf \"%s/%s \", \$2, \$3}' '$out/bob.log')\" = '1/rfc4733 2/rfc4733 3/rfc4733 #/rfc4733 ' ]"
check "RTP both ways (over 100 PCMU packets sent and received by each)" sh -c "
	for p in alice bob; do
		awk '/^RTP sent/ { if (\$3 > 100 && \$5 > 100 && \$NF == \"PCMU\") ok = 1 } END { exit !ok }' '$out/'\$p.log || exit 1
	done"
check "bob's recording is not silent and its dominant frequency is 440 Hz" [ $wrc -eq 0 ]
echo
if [ $failed -ne 0 ]; then
	echo "demo: FAILED (logs and recordings in $out)"
	exit 1
fi
echo "demo: OK (logs and recordings in $out)"
