# RFC 4028 session timers with real peers: sipp UACs (trunk hosts) call
# through Lyre (Dial(SIP/uas_x/200)) to sipp UASes.  RFC 4028 §4 keeps
# intervals at 90 s or more, so the two long calls run side by side:
#   a  Session-Expires: 90;refresher=uas  Lyre re-INVITEs at ~45 s, the
#      call outlives 60 s, the caller hangs up at ~65 s
#   b  Session-Expires: 90;refresher=uac  no refresh ever comes: Lyre sends
#      BYE at 90 - min(32, 90/3) = 60 s (§10) and hangs up the callee leg
# and first, quickly:
#   c  Session-Expires: 60, below Lyre's Min-SE: 422 with Min-SE: 90 (§8.1)
#   d  Require: timer (§7.1): Lyre supports timers, so 200, not 420
#   e  Require: timer, 100rel: 420 with Unsupported: 100rel, and no call
# The scenarios check the headers and the timing windows themselves (sipp
# fails a call on a message that comes during a pause, or a recv timeout).
need_tool sipp
lyre_system
lyre_start || exit 1
S=$TEST_DIR
LYRE=127.0.0.1:$PORT_BASE

# peer NAME SCENARIO PORT MEDIA_PORT [args]: one sipp call in the
# background (PID_NAME), output in $T/NAME.out.
peer() {
	local name=$1 scen=$2 port=$3 mport=$4
	shift 4
	timeout 100 sipp -sf "$S/$scen" -i 127.0.0.1 -p "$port" -mi 127.0.0.1 -mp "$mport" \
		-m 1 -nostdin -timeout 90 -timeout_error -trace_err "$@" >"$T/$name.out" 2>&1 &
	eval "PID_$name=\$!"
}
# done_ok NAME: that sipp ended and its one call succeeded (exit 0).
done_ok() { local p; eval "p=\$PID_$1"; wait "$p"; }
# soon_ok NAME: the same within 5 s; else it is stopped (its port is needed).
soon_ok() {
	local p; eval "p=\$PID_$1"
	WAIT_S=5 wait_for eval "! kill -0 $p" || { kill "$p"; wait "$p"; return 1; }
	wait "$p"
}
channels() { cli_has "sip show channels" "^$1 active SIP channels"; }
lacks_b_has_a() {
	cli_lacks "core show channels" "SIP/(caller|uas)_b-" &&
		grep -q "SIP/caller_a-" "$T/cli.last" && grep -q "SIP/uas_a-" "$T/cli.last"
}
no_call() { ! grep -q "incoming call to $1@" "$T/log/full"; }
expired_b() { grep -qE "NOTICE.*session expired after 90 s without refresh, sending BYE" "$T/log/full"; }

# c: 422.  Nothing else may happen: no channel, no INVITE to a callee.
peer c uac_too_short.xml $((PORT_BASE + 22)) $((PORT_BASE + 60)) -s c "$LYRE"
check "c: Session-Expires 60 gets 422 with Min-SE: 90, and the ACK ends it" done_ok c
check "... no call was started" no_call c

# e: 420, and nothing else (Lyre used to answer 420 and then start the call).
peer e uac_require_unknown.xml $((PORT_BASE + 24)) $((PORT_BASE + 68)) -s e "$LYRE"
check "e: Require: timer, 100rel gets 420 with Unsupported: 100rel" done_ok e
sleep 0.5
check "... no call was started" no_call e

# d: Require: timer.  The caller hangs up at once.
peer uas_d uas_answer_wait_bye.xml $((PORT_BASE + 30)) $((PORT_BASE + 40))
sleep 0.3
peer d uac_require_timer.xml $((PORT_BASE + 23)) $((PORT_BASE + 64)) -s d "$LYRE"
check "d: Require: timer gets 200 with Session-Expires: 90;refresher=uac and Require: timer" done_ok d
check "... the callee leg got BYE" soon_ok uas_d
check "... no SIP channel is left" no_sip_channels

peer uas_a uas_answer_wait_bye.xml $((PORT_BASE + 30)) $((PORT_BASE + 40))
peer uas_b uas_answer_wait_bye.xml $((PORT_BASE + 31)) $((PORT_BASE + 44))
sleep 0.3
peer a uac_lyre_refreshes.xml $((PORT_BASE + 20)) $((PORT_BASE + 48)) -s a "$LYRE"
peer b uac_never_refreshes.xml $((PORT_BASE + 21)) $((PORT_BASE + 52)) -s b "$LYRE"
START=$(date +%s)
check "a and b are answered: four SIP legs" wait_for channels 4

# b's BYE comes first, at 60 s (the scenario accepts 55-66 s).
check "b: Lyre sends BYE 55-66 s after the answer, the caller's scenario completes" done_ok b
log "b ended $(( $(date +%s) - START )) s after the calls started"
check "... Lyre says the session expired" expired_b
check "... the callee leg got BYE too" done_ok uas_b
check "... b's channels are gone, a's are still up" wait_for lacks_b_has_a
check "... two SIP legs are left" channels 2

# a: refreshed with a re-INVITE at ~45 s (40-52 s), then hung up by the caller.
check "a: Lyre refreshes with a re-INVITE 40-52 s in, the call outlives 60 s, the caller hangs up" done_ok a
log "a ended $(( $(date +%s) - START )) s after the calls started"
check "... the callee leg got BYE" done_ok uas_a
check "... no SIP channel is left" no_sip_channels
check "... Lyre logged no expiry for a" [ "$(grep -c "session expired" "$T/log/full")" = 1 ]
lyre_stop
