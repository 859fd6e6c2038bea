# Early media through chan_sip with real sipp peers: sipp UAC (a trunk
# host) -> Lyre Dial(SIP/callee/200) -> sipp UAS.  The caller's SDP names
# a port where rtp_listen.py logs every RTP packet, so what the caller
# would hear is seen from outside Lyre.
#   early  the callee sends 183 with SDP and 3 s of A-law speech before its
#          200: the caller gets 183 with SDP, and the speech reaches its
#          media port from Lyre's media address while both legs are early
#   ring   the same callee, but Dial(...,r): the caller gets 180, no 183,
#          and no packet before the answer
#   180    a callee that sends just 180: the caller gets 180, no 183
need_tool sipp
need_tool python3
[ -r /usr/share/sip-tester/g711a.pcap ] || skip_test "sipp's g711a.pcap is not installed"
lyre_system
lyre_start || exit 1
S=$TEST_DIR
LYRE=127.0.0.1:$PORT_BASE
RTP_PORT=$((PORT_BASE + 60))

# call NAME UAS_SCENARIO UAC_SCENARIO EXTEN: the listener, the UAS and the
# UAC of one call, in the background; the RTP log is $T/NAME.rtp.
call() {
	local name=$1
	: >"$T/$name.rtp"
	python3 "$S/rtp_listen.py" "$RTP_PORT" "$T/$name.rtp" 12 & LISTEN_PID=$!
	timeout 30 sipp -sf "$S/$2" -i 127.0.0.1 -p $((PORT_BASE + 30)) -mi 127.0.0.1 \
		-mp $((PORT_BASE + 40)) -m 1 -nostdin -timeout 25 -timeout_error -trace_err \
		>"$T/$name.uas.out" 2>&1 & UAS_PID=$!
	sleep 0.3
	timeout 30 sipp -sf "$S/$3" -s "$4" -key rtp_port "$RTP_PORT" -i 127.0.0.1 \
		-p $((PORT_BASE + 20)) -mi 127.0.0.1 -mp $((PORT_BASE + 50)) -m 1 -nostdin -timeout 25 \
		-timeout_error -trace_err "$LYRE" >"$T/$name.uac.out" 2>&1 & UAC_PID=$!
}
# Both legs up and early (no 200 yet): the caller's inbound leg, the
# callee's outbound one.  The line of the caller's leg is kept in CALLER_LEG.
CALLER_LEG=
both_early() {
	cli_has "sip show channels" "^2 active SIP channels" &&
		grep -qE "^SIP/callee-[0-9a-f]+ +callee +out .* early " "$T/cli.last" &&
		CALLER_LEG=$(grep -E "^SIP/caller-[0-9a-f]+ +caller +in .* early " "$T/cli.last")
}
packets() { wc -l <"$T/$1.rtp"; }
at_least() { [ "$(packets "$1")" -ge "$2" ]; }
# At least N packets had arrived, and after that both legs were still early.
early_packets() { at_least "$1" "$2" && both_early; }
# Every packet is PCMA (PT 8) and came from the caller leg's RTP address.
from_caller_leg() {
	local addr
	addr=$(awk '{ print $7 }' <<<"$CALLER_LEG" | tr : ' ')
	[ -n "$addr" ] && [ "$(packets "$1")" -gt 0 ] &&
		! awk -v a="$addr" '$2 " " $3 != a || $4 != 8' "$T/$1.rtp" | grep -q .
}
# No packet at all, checked while both legs are early.
silent_while_early() { both_early && [ "$(packets "$1")" = 0 ]; }
ended_ok() { wait "$UAC_PID" && wait "$UAS_PID"; }

call early uas_early_media.xml uac_early_media.xml early
check "183 with SDP: the caller's media port gets RTP (1 s of it) while both legs are early" \
	wait_for early_packets early 50
log "caller leg: $CALLER_LEG"
check "... all PCMA, from the caller leg's RTP address" from_caller_leg early
check "... the caller got 183 with SDP, then 200; the call ends with its BYE" ended_ok
check "... the callee got the BYE" no_sip_channels
check "... Dial said ANSWER" grep -q "emtest dialstatus: ANSWER" "$T/log/full"
kill "$LISTEN_PID" 2>/dev/null; wait "$LISTEN_PID"

call ring uas_early_media.xml uac_ringing.xml ring
check "Dial r, callee 183 with media: both legs early" wait_for both_early
sleep 1.5
check "... 1.5 s on, still early, and no packet reached the caller" silent_while_early ring
check "... after the answer the callee's media does reach the caller" wait_for at_least ring 25
check "... the caller got 180 and no 183; the call ends with its BYE" ended_ok
check "... no SIP channel is left" no_sip_channels
kill "$LISTEN_PID" 2>/dev/null; wait "$LISTEN_PID"

call ring180 uas_ring_answer.xml uac_ringing.xml early
check "callee sends just 180: the caller gets 180 and no 183; the call ends with its BYE" ended_ok
check "... no SIP channel is left" no_sip_channels
kill "$LISTEN_PID" 2>/dev/null; wait "$LISTEN_PID"
lyre_stop
