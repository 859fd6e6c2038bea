# Message waiting over SIP (RFC 6665 subscriptions, RFC 3842 bodies).
# A sipp subscriber authenticates its SUBSCRIBE to 100's message-summary,
# gets 200 and a NOTIFY saying "no"; `mwi update 100 1 0` sends "yes" 1/0;
# a refresh gets 200 and a NOTIFY; Expires: 0 ends it with a terminated
# NOTIFY (then 481).  A wrong password gets no subscription, an unknown
# event 489, too short an Expires 423, another's mailbox 403, an endpoint
# without mailboxes 404; too long an Expires is lowered, and a 481 to a
# NOTIFY ends the subscription.  A sipp phone registered as 101
# (mailboxes=101) gets an unsolicited NOTIFY when it registers, and one
# saying yes 2/1 after `mwi update 101 2 1`.  A subscription that is not
# refreshed ends by itself (terminated;reason=timeout).  Unloading
# chan_sip ends a live one with NOTIFY terminated;reason=deactivated.
# No baresip case: baresip 1.0.0's mwi module, once registered, sends
# SUBSCRIBEs in a tight loop (a new Call-ID each, only the first answering
# the challenge; about 34,000 in 30 s) and never answers a NOTIFY.
need_tool sipp
lyre_system
lyre_start || exit 1
REG=127.0.0.1:$PORT_BASE

# The status line of the last response sipp received, from its trace.
final_status() {
	awk '/message received/ { rx = 1; next } /message sent/ { rx = 0 }
	     rx && /^SIP\/2.0 / { s = $2 } END { print s }' "$1"
}
# body_has FILE LINE1 LINE2: a message in the sipp trace has LINE1 and, within
# the next two lines, LINE2 (the body of one NOTIFY).
body_has() {
	tr -d '\r' <"$1" | grep -A2 -x -F -- "$2" | grep -q -x -F -- "$3"
}
# expiry_took FILE MIN MAX: seconds between the first and the last NOTIFY
# sipp received are within [MIN, MAX].
expiry_took() {
	local d
	d=$(awk '/^-+ [0-9-]+ [0-9:.]+$/ { t = $3 } /message received/ { rx = 1; next }
		/message sent/ { rx = 0 } rx && /^NOTIFY / { split(t, a, ":"); s = a[1] * 3600 + a[2] * 60 + a[3];
		if (first == "") first = s; last = s } END { printf "%d", last - first }' "$1")
	[ "$d" -ge "$2" ] && [ "$d" -le "$3" ] || { echo "took $d s"; return 1; }
}
# sipp's digest uri is sip:host:port unless told, and Lyre checks it
# against the Request-URI, so tell it.
auth_uri() { echo "$1@127.0.0.1:$PORT_BASE"; }
# subscribe_once USER PASSWORD RUSER EVENT EXPIRES PORT: one SUBSCRIBE, its final status on stdout
subscribe_once() {
	timeout 30 sipp -sf "$TEST_DIR/subscribe_once_uac.xml" -s "$1" -au "$1" -ap "$2" -key ruser "$3" \
		-auth_uri "$(auth_uri "$3")" \
		-key event "$4" -key expires "$5" -i 127.0.0.1 -p "$6" -m 1 -nostdin -timeout 20 \
		-trace_msg -message_file "$T/msg.$6" "$REG" >"$T/sipp.$6.out" 2>&1
	final_status "$T/msg.$6"
}
status_is() {
	local want=$1 got
	shift
	got=$(subscribe_once "$@")
	[ "$got" = "$want" ] || { echo "final status $got, expected $want"; return 1; }
}

# ---- a subscription from start to end ----
SUB_PORT=$((PORT_BASE + 10))
timeout 100 sipp -sf "$TEST_DIR/subscribe_mwi_uac.xml" -s 100 -au 100 -ap pass-100 -auth_uri "$(auth_uri 100)" -i 127.0.0.1 \
	-p $SUB_PORT -m 1 -nostdin -timeout 90 -timeout_error -trace_msg -message_file "$T/msg.sub" \
	"$REG" >"$T/sipp.sub.out" 2>&1 &
SUB_PID=$!
check "100 subscribes to its mailbox: sip show subscriptions lists it" \
	wait_for cli_has "sip show subscriptions" "^100 +100@default +UDP +127.0.0.1:$SUB_PORT "
check "... and the first NOTIFY says Messages-Waiting: no" wait_for grep -q "^Messages-Waiting: no" "$T/msg.sub"
check "mwi update 100 1 0 publishes the counts" cli_has "mwi update 100 1 0" "100@default: 1 new, 0 old"
check "mwi show lists them" cli_has "mwi show" "^100@default +1 +0 +0 +0"
wait "$SUB_PID"
SUB_EXIT=$?
check "the subscriber got yes 1/0, refreshed, unsubscribed (NOTIFY terminated), then 481 (sipp exit 0)" \
	test "$SUB_EXIT" -eq 0
check "... its NOTIFY said Messages-Waiting: yes and Voice-Message: 1/0 (0/0)" \
	body_has "$T/msg.sub" "Messages-Waiting: yes" "Voice-Message: 1/0 (0/0)"
check "... and the last one Subscription-State: terminated;reason=timeout" \
	grep -q "^Subscription-State: terminated;reason=timeout" "$T/msg.sub"
check "no subscription is left" cli_has "sip show subscriptions" "^0 message-summary subscriptions"

# ---- refusals ----
check "a wrong password gets 401 again, no subscription" status_is 401 100 wrong 100 message-summary 600 $((PORT_BASE + 11))
check "... sip show subscriptions stays empty" cli_has "sip show subscriptions" "^0 message-summary subscriptions"
check "an unknown event package gets 489" status_is 489 100 pass-100 100 presence 600 $((PORT_BASE + 12))
check "... with Allow-Events: message-summary" grep -q "^Allow-Events: message-summary" "$T/msg.$((PORT_BASE + 12))"
check "Expires below mwi_min_expiry gets 423" status_is 423 100 pass-100 100 message-summary 1 $((PORT_BASE + 13))
check "... with Min-Expires: 2" grep -q "^Min-Expires: 2" "$T/msg.$((PORT_BASE + 13))"
check "101 may not subscribe to 100's mailbox (403)" status_is 403 101 pass-101 100 message-summary 600 $((PORT_BASE + 14))
check "102 has no mailbox (404)" status_is 404 102 pass-102 102 message-summary 600 $((PORT_BASE + 15))

# ---- Expires lowered to mwi_max_expiry; a 481 to the NOTIFY ends it ----
check "Expires 7200 gets 1800; a 481 to the NOTIFY is taken" \
	timeout 30 sipp -sf "$TEST_DIR/subscribe_481_uac.xml" -s 100 -au 100 -ap pass-100 -auth_uri "$(auth_uri 100)" -i 127.0.0.1 \
	-p $((PORT_BASE + 16)) -m 1 -nostdin -timeout 20 -timeout_error "$REG"
check "... and ends the subscription" \
	wait_for cli_has "sip show subscriptions" "^0 message-summary subscriptions"

# ---- unsolicited NOTIFY to a registered phone with mailboxes= ----
UAS_PORT=$((PORT_BASE + 21))
timeout 60 sipp -sf "$TEST_DIR/notify_uas.xml" -i 127.0.0.1 -p $UAS_PORT -m 2 -nostdin -timeout 50 \
	-timeout_error -trace_msg -message_file "$T/msg.uas" >"$T/sipp.uas.out" 2>&1 &
UAS_PID=$!
check "101 registers (Contact: the sipp phone)" \
	timeout 30 sipp -sf "$TEST_DIR/register_uac.xml" -s 101 -au 101 -ap pass-101 -key contact_port $UAS_PORT \
	-i 127.0.0.1 -p $((PORT_BASE + 20)) -m 1 -nostdin -timeout 20 -timeout_error "$REG"
check "... and gets an unsolicited NOTIFY saying no" wait_for grep -q "^Messages-Waiting: no" "$T/msg.uas"
check "mwi update 101 2 1" cli_has "mwi update 101 2 1" "101@default: 2 new, 1 old"
wait "$UAS_PID"
UAS_EXIT=$?
check "the phone took both NOTIFYs (sipp exit 0)" test "$UAS_EXIT" -eq 0
check "... the second: Messages-Waiting: yes, Voice-Message: 2/1 (0/0)" \
	body_has "$T/msg.uas" "Messages-Waiting: yes" "Voice-Message: 2/1 (0/0)"
check "... with Subscription-State: terminated (no subscription exists)" \
	grep -q "^Subscription-State: terminated$(printf '\r')\?$" "$T/msg.uas"
check "... for the account of mailbox 101" grep -q "^Message-Account: sip:101@127.0.0.1:$PORT_BASE" "$T/msg.uas"
check "... in NOTIFYs with Event: message-summary" test "$(grep -c '^Event: message-summary' "$T/msg.uas")" -ge 2

# ---- expiry: a subscription not refreshed ends with terminated;reason=timeout ----
EXP_PORT=$((PORT_BASE + 31))
timeout 60 sipp -sf "$TEST_DIR/subscribe_stay_uac.xml" -s 100 -au 100 -ap pass-100 -auth_uri "$(auth_uri 100)" \
	-key expires 3 -i 127.0.0.1 -p $EXP_PORT -m 1 -nostdin -timeout 50 -timeout_error -trace_msg \
	-message_file "$T/msg.exp" "$REG" >"$T/sipp.exp.out" 2>&1
check "a 3 s subscription gets its NOTIFYs and ends by itself (sipp exit 0)" test $? -eq 0
check "... the last one: terminated;reason=timeout" \
	grep -q "^Subscription-State: terminated;reason=timeout" "$T/msg.exp"
check "... about 3 s after the first" expiry_took "$T/msg.exp" 2 8
check "... and it is gone" cli_has "sip show subscriptions" "^0 message-summary subscriptions"

# ---- unload: subscribers hear terminated;reason=deactivated ----
STAY_PORT=$((PORT_BASE + 30))
timeout 60 sipp -sf "$TEST_DIR/subscribe_stay_uac.xml" -s 100 -au 100 -ap pass-100 -auth_uri "$(auth_uri 100)" \
	-key expires 600 -i 127.0.0.1 -p $STAY_PORT -m 1 -nostdin -timeout 50 -timeout_error -trace_msg \
	-message_file "$T/msg.stay" "$REG" >"$T/sipp.stay.out" 2>&1 &
STAY_PID=$!
check "100 subscribes again" wait_for cli_has "sip show subscriptions" "^100 .*127.0.0.1:$STAY_PORT "
check "... and its first NOTIFY is answered" wait_for grep -q "^Messages-Waiting: yes" "$T/msg.stay"
check "module unload chan_sip" lyre_cli "module unload chan_sip"
wait "$STAY_PID"
STAY_EXIT=$?
check "... the subscriber got a NOTIFY terminated (sipp exit 0)" test "$STAY_EXIT" -eq 0
check "... with reason=deactivated" grep -q "^Subscription-State: terminated;reason=deactivated" "$T/msg.stay"
check "mwi show still works without chan_sip" cli_has "mwi show" "^101@default +2 +1"
check "module load chan_sip" lyre_cli "module load chan_sip"
check "... and mwi update reaches no one, without trouble" cli_has "mwi update 100 0 1" "100@default: 0 new, 1 old"
lyre_stop
