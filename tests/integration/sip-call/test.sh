# Calls through chan_sip with real sipp peers: sipp UAC (a trunk host) ->
# Lyre Dial(SIP/200) -> sipp UAS registered as 200.  Answered call with RTP
# both ways, callee BYE, caller BYE, busy, no answer, caller CANCEL.
need_tool sipp
lyre_system
lyre_start || exit 1

REG=127.0.0.1:$PORT_BASE
UAC_PORT=$((PORT_BASE + 20))
UAS_PORT=$((PORT_BASE + 30))
S=$TEST_DIR

# The callee registers as 200 from the port its UAS will listen on.
register_200() {
	timeout 20 sipp -sf "$S/register_auth_uac.xml" -s 200 -au 200 -ap pass-200 -i 127.0.0.1 \
		-p "$UAS_PORT" -m 1 -nostdin -timeout 10 "$REG" >"$T/sipp.reg.out" 2>&1
}
# uas SCENARIO [args]: a UAS in the background for one call.
uas() {
	local scen=$1
	shift
	timeout 30 sipp -sf "$S/$scen" -i 127.0.0.1 -p "$UAS_PORT" -mi 127.0.0.1 -mp $((PORT_BASE + 40)) \
		-m 1 -nostdin -timeout 25 -timeout_error "$@" >"$T/uas.out" 2>&1 &
	UAS_PID=$!
	sleep 0.3
}
# uac SCENARIO [args]: one call from the trunk host; its exit status.
uac() {
	local scen=$1
	shift
	timeout 30 sipp -sf "$S/$scen" -s 200 -i 127.0.0.1 -p "$UAC_PORT" -mi 127.0.0.1 \
		-mp $((PORT_BASE + 50)) -m 1 -nostdin -timeout 25 -timeout_error "$@" "$REG" >"$T/uac.out" 2>&1
}
uas_ok() { wait "$UAS_PID"; }
dialstatus() { wait_for grep -q "sipcall dialstatus: $1" "$T/log/full"; }

check "the callee registers as 200" register_200

uas uas_answer.xml -rtp_echo
check "answered call, callee hangs up: the caller's call succeeds" uac uac_wait_bye.xml
check "... the callee's scenario completes" uas_ok
check "... Dial said ANSWER" dialstatus ANSWER
check "... no SIP channel is left" no_sip_channels

# The overload crash of bench/README.md, made deterministic: the callee's
# 2xx comes again after the call ended (its sender missed our ACK), then a
# 2xx from a new To tag.  Lyre's INVITE transaction still lives (Timer M),
# the dialog layer makes a fork for the new tag, and the fork must not call
# back into the freed call (it did: SIGSEGV in on_terminated, and an ASan
# use-after-free report here).
uas uas_late_2xx.xml
check "2xx after the call ended: the caller's call succeeds" uac uac_quick_bye.xml
check "... the retransmitted 2xx is ACKed again, the new fork ACKed and ended with one BYE" uas_ok
check "... no SIP channel is left" no_sip_channels
check "... the daemon still answers" lyre_cli "core show channels"

uas uas_wait_bye.xml -rtp_echo
uac uac_rtp.xml & UAC_PID=$!
sleep 2
lyre_cli "rtp show stats"
cp "$T/cli.last" "$T/rtp.stats"
# Both legs relayed natively, with packets in and relayed on each: the
# UAC's stream reached the UAS, and the UAS's echo came back.
relayed_both() { [ "$(awk '$3 == "relay" && $6 > 0 && $13 > 0' "$T/rtp.stats" | wc -l)" = 2 ]; }
check "answered call with RTP: both legs relay packets natively" relayed_both
check "... the caller hangs up and its scenario completes" wait "$UAC_PID"
check "... the callee got the BYE" uas_ok
check "... no SIP channel is left" no_sip_channels

uas uas_busy.xml
check "a busy callee gives the caller 486" uac uac_busy.xml
check "... the callee saw its 486 ACKed" uas_ok
check "... Dial said BUSY" dialstatus BUSY

uas uas_ring.xml
check "no answer: the caller gets 480 after Dial's timeout" uac uac_noanswer.xml
check "... the callee was CANCELed" uas_ok
check "... Dial said NOANSWER" dialstatus NOANSWER

uas uas_ring.xml
check "the caller CANCELs while the callee rings" uac uac_cancel.xml
check "... the CANCEL reached the callee" uas_ok
check "... Dial said CANCEL" dialstatus CANCEL
check "... no SIP channel is left" no_sip_channels
lyre_stop
