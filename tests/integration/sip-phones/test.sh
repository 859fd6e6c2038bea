# Calls from registered phones, with sipp: phone 100 registers and calls
# with digest (the INVITE is challenged like REGISTER); Dial(SIP/201) rings
# both registered contacts of 201 at once, the first to answer wins and the
# other is CANCELed; the caller's re-INVITE puts the call on hold and takes
# it off; Dial(SIP/itsp/5551234) answers the trunk's 407 with its
# credentials.
need_tool sipp
lyre_system
lyre_start || exit 1

REG=127.0.0.1:$PORT_BASE
PHONE_PORT=$((PORT_BASE + 20))
A_PORT=$((PORT_BASE + 30))
B_PORT=$((PORT_BASE + 32))
ITSP_PORT=$((PORT_BASE + 60))
S=$TEST_DIR

# register USER PASSWORD PORT
register() {
	timeout 20 sipp -sf "$S/register_auth_uac.xml" -s "$1" -au "$1" -ap "$2" -i 127.0.0.1 \
		-p "$3" -m 1 -nostdin -timeout 10 "$REG" >"$T/sipp.reg.$3.out" 2>&1
}
# uas NAME PORT MEDIAPORT SCENARIO [IP]: a UAS in the background for one
# call; its pid in UAS_<NAME>.  sipp binds MEDIAPORT to MEDIAPORT+3 (audio,
# video and their RTCP), so UAS media ports are at least 4 apart.
uas() {
	local ip=${5:-127.0.0.1}
	timeout 30 sipp -sf "$S/$4" -i "$ip" -p "$2" -mi "$ip" -mp "$3" \
		-m 1 -nostdin -timeout 25 -timeout_error -trace_msg -message_file "$T/uas.$1.msg" \
		>"$T/uas.$1.out" 2>&1 &
	eval "UAS_$1=\$!"
}
# phone_call EXTEN: phone 100 calls EXTEN with digest, holds, unholds, hangs up.
phone_call() {
	timeout 30 sipp -sf "$S/uac_auth_hold.xml" -s "$1" -au 100 -ap pass-100 -auth_uri "$1@$REG" -i 127.0.0.1 \
		-p "$PHONE_PORT" -mi 127.0.0.1 -mp $((PORT_BASE + 50)) -m 1 -nostdin -timeout 25 \
		-timeout_error -trace_msg -message_file "$T/phone.msg" "$REG" >"$T/phone.out" 2>&1
}
# dialstatus STATUS: a new "dialstatus" line since the last call said STATUS.
SEEN=0
dialstatus() {
	local n
	n_lines() { n=$(grep -c "sipphones dialstatus: " "$T/log/full"); [ "$n" -gt "$SEEN" ]; }
	wait_for n_lines || return 1
	n_lines
	grep "sipphones dialstatus: " "$T/log/full" | tail -n $((n - SEEN)) | grep -q ": $1\$" || return 1
	SEEN=$n
}
log_has() { wait_for grep -qE "$1" "$T/log/full"; }

check "phone 100 registers with digest" register 100 pass-100 "$PHONE_PORT"
check "201 registers from its first contact" register 201 pass-201 "$A_PORT"
check "201 registers from its second contact" register 201 pass-201 "$B_PORT"
check "... and has both contacts" cli_has "sip show contacts" "201.*:$B_PORT"
check "... both of them" grep -q "201.*:$A_PORT" "$T/cli.last"

uas A "$A_PORT" $((PORT_BASE + 40)) uas_answer_late.xml
uas B "$B_PORT" $((PORT_BASE + 70)) uas_ring.xml
sleep 0.3
check "phone 100 calls 201: challenged, re-sent with credentials, answered, hold, unhold, BYE" phone_call 201
challenged() { grep -qE "^SIP/2.0 40[17] " "$T/phone.msg"; }
check "... the first INVITE was challenged" challenged
check "... the call entered the endpoint's context at 201" log_has "SIP 100: incoming call to 201@phones"
check "... the contact that answered got the BYE" wait "$UAS_A"
check "... the other contact rang and was CANCELed" wait "$UAS_B"
both_rang() { grep -q "^INVITE " "$T/uas.A.msg" && grep -q "^INVITE " "$T/uas.B.msg"; }
check "... both contacts got the INVITE" both_rang
check "... the hold re-INVITE shows HOLD" log_has "SIP 100: remote HOLD"
check "... and the second shows UNHOLD" log_has "SIP 100: remote UNHOLD"
check "... Dial said ANSWER" dialstatus ANSWER
check "... no SIP channel is left" no_sip_channels

uas ITSP "$ITSP_PORT" $((PORT_BASE + 62)) uas_trunk_407.xml 127.0.0.2
sleep 0.3
check "phone 100 calls out through the trunk" phone_call 95551234
check "... the trunk's 407 was answered, the call answered, and the trunk got the BYE" wait "$UAS_ITSP"
# RFC 7616 §3.4.1 with qop=auth, recomputed from the trunk's message trace.
valid_digest() {
	perl -MDigest::MD5=md5_hex -ne '
		$a = $1 if /^Proxy-Authorization: Digest ([^\r\n]*)/;
		END {
			exit 1 unless $a;
			my %p = map { /^\s*(\w+)="?([^"]*)"?$/ ? ($1, $2) : () } split /,/, $a;
			my $h1 = md5_hex("5550100:$p{realm}:itsp-pass");
			my $h2 = md5_hex("INVITE:$p{uri}");
			exit($p{response} eq md5_hex("$h1:$p{nonce}:$p{nc}:$p{cnonce}:$p{qop}:$h2") ? 0 : 1);
		}' "$T/uas.ITSP.msg"
}
check "... with a valid MD5 digest (qop=auth) for the trunk's username" valid_digest
check "... Dial said ANSWER" dialstatus ANSWER
check "... no SIP channel is left" no_sip_channels
lyre_stop
