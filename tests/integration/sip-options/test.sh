# OPTIONS: a ping is answered 200 with Allow; qualify marks a registered
# sipp contact Reachable, then Unreachable once that sipp is gone (after
# Timer F, 64*T1 = 32 s without an answer, RFC 3261 §17.1.2.2).
need_tool sipp
lyre_system
lyre_start || exit 1
REG=127.0.0.1:$PORT_BASE

ping_ok() {
	timeout 20 sipp -sf "$TEST_DIR/options_uac.xml" -i 127.0.0.1 -p $((PORT_BASE + 10)) -m 1 -nostdin \
		-timeout 10 -trace_msg -message_file "$T/options.msg" "$REG" >"$T/sipp.options.out" 2>&1
}
check "an OPTIONS ping is answered 200" ping_ok
check "... with Allow listing the methods" \
	grep -qE '^Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER' "$T/options.msg"

UA_PORT=$((PORT_BASE + 11))
timeout 100 sipp -sf "$TEST_DIR/register_stay_uac.xml" -s 300 -au 300 -ap pass-300 -aa -i 127.0.0.1 \
	-p $UA_PORT -m 1 -nostdin "$REG" >"$T/sipp.stay.out" 2>&1 &
SIPP_PID=$!
check "the sipp phone registers" wait_for cli_has "sip show contacts" "^300 +sip:300@127.0.0.1:$UA_PORT"
check "qualify marks it Reachable" wait_for cli_has "sip show contacts" "^300 .* Reachable"
kill "$SIPP_PID"
wait "$SIPP_PID" 2>/dev/null
WAIT_S=45 check "... and Unreachable once the phone is gone" \
	wait_for cli_has "sip show contacts" "^300 .* Unreachable"
lyre_stop
