# Dial() in the running daemon: Local destinations that answer, are busy,
# congested, never answer or do not exist, a parallel group, a time limit
# and variable inheritance; each outcome is read back from the trace.
lyre_system
lyre_start || exit 1
check "Dial is loaded" cli_has "core show application Dial" "Synopsis"
check "dialplan set trace on" lyre_cli "dialplan set trace on"

# The ;1 half of each originated call only waits; ;2 runs the dial test.
dial() { lyre_cli "channel originate Local/$1@dialtest application Wait 3"; }

check "originate answer" dial answer
check "an answering callee gives ANSWER" \
	wait_for grep -q "Trace .*Verbose(1,dial answer: ANSWER 200@callee)" "$T/log/full"
check "originate busy" dial busy
check "Busy() gives BUSY with cause 17" \
	wait_for grep -q "Trace .*Verbose(1,dial busy: BUSY 17)" "$T/log/full"
check "originate noanswer" dial noanswer
check "a callee that only rings gives NOANSWER" \
	wait_for grep -q "Trace .*Verbose(1,dial noanswer: NOANSWER)" "$T/log/full"
check "... and is hung up with NO_ANSWER" \
	wait_for grep -qE "Trace .*NoOp\(callee Local/202@callee-[0-9a-f]+;2 ended: 19\)" "$T/log/full"
check "originate congestion" dial congestion
check "Congestion() gives CONGESTION" \
	wait_for grep -q "Trace .*Verbose(1,dial congestion: CONGESTION)" "$T/log/full"
check "originate unavail" dial unavail
check "unknown technology and extension give CHANUNAVAIL" \
	wait_for grep -q "Trace .*Verbose(1,dial unavail: CHANUNAVAIL)" "$T/log/full"
check "originate parallel" dial parallel
check "the first to answer wins" \
	wait_for grep -q "Trace .*Verbose(1,dial parallel: ANSWER 200@callee)" "$T/log/full"
check "... the one still ringing hears ANSWERED_ELSEWHERE" \
	wait_for grep -qE "Trace .*NoOp\(callee Local/202@callee-[0-9a-f]+;2 ended: 26\)" "$T/log/full"
check "originate limit" dial limit
check "L() ends the call and g goes on" \
	wait_for grep -q "Trace .*Verbose(1,dial limit: ANSWER)" "$T/log/full"
check "... after a warning in the log" grep -q "left of its time limit" "$T/log/full"
check "originate inherit" dial inherit
check "__VAR reaches the callee" \
	wait_for grep -q "Trace .*Verbose(1,callee got FAMILY=kept)" "$T/log/full"
check "no channel is left over" wait_for cli_has "core show channels" "^0 active channels"
lyre_stop
