# Every RFC 4475 and RFC 5118 torture request sent over UDP to the running
# daemon: 400/505 for the invalid ones, an ordinary answer (401, 501, 200,
# 416 ...) for the valid ones, nothing for responses and the dblreq tail;
# the daemon stays up and clean.
need_tool python3
lyre_system
lyre_start || exit 1

TORTURE=$SRC_TOP/tests/data/sip-torture
send_all() {
	python3 "$TEST_DIR/send.py" 127.0.0.1 "$PORT_BASE" "$TORTURE" "$TORTURE/rfc5118/wire" >"$T/send.out" 2>&1
	local rc=$?
	grep '^# WRONG' "$T/send.out"
	return $rc
}
check "each torture message gets the answer its MANIFEST asks for" send_all
check "... all 62 were sent and answered as expected" test "$(grep -c "^# ok" "$T/send.out")" -eq 62
check "the daemon is still up" cli_has "core show uptime" "."
check "... and still answers OPTIONS" python3 "$TEST_DIR/send.py" 127.0.0.1 "$PORT_BASE" --probe
lyre_stop
