# Two endpoint options of sip.conf, with sipp phones:
#  - callerid (as pjsip's): calls from the endpoint carry it as
#    CALLERID(name/num) whatever their From says; a trusted PAI
#    (trust_id_inbound) wins over it; a name alone keeps the From's number;
#  - transport=tcp: a REGISTER over UDP is refused 403 (digest good), one
#    over TCP is taken, and Lyre's INVITE to the phone goes over TCP.
need_tool sipp
lyre_system
S=$TEST_DIR
LYRE=127.0.0.1:$PORT_BASE
logged() { wait_for grep -qF "epopts cid: $1" "$T/log/full"; }

lyre_start || exit 1

# call USER PASSWORD PORT PAI: one call to 700 from that endpoint
call() {
	timeout 20 sipp -sf "$S/uac_cid.xml" -s 700 -au "$1" -ap "$2" -auth_uri "700@$LYRE" -key pai "$4" -i 127.0.0.1 -p "$3" -m 1 \
		-nostdin -timeout 15 -timeout_error "$LYRE" >"$T/call.$1.out" 2>&1
}
check "a call from 100 (From \"Mallory\" 999) is taken" call 100 pw100 $((PORT_BASE + 20)) 555
check "... CALLERID is the endpoint's callerid, Alice <100>" logged "Alice <100>"
check "a call from 102, trusted, asserting 777" call 102 pw102 $((PORT_BASE + 21)) 777
check "... CALLERID is the trusted PAI, Boss <777>, over its callerid" logged "Boss <777>"
check "a call from 103 (callerid = Dave)" call 103 pw103 $((PORT_BASE + 22)) 555
check "... CALLERID is Dave with the From's number 999" logged "Dave <999>"
check "Mallory's From name never became a caller id" bash -c "! grep -q 'epopts cid: Mallory' '$T/log/full'"

check "sip show endpoint 101 shows its transport" cli_has "sip show endpoint 101" "Transport: +tcp \(TCP only\)"
reg_udp() {
	timeout 20 sipp -sf "$SRC_TOP/tests/integration/sip-register/register_auth_uac.xml" -s 101 -au 101 -ap pw101 \
		-i 127.0.0.1 -p $((PORT_BASE + 30)) -m 1 -nostdin -timeout 10 "$LYRE" >"$T/reg.udp.out" 2>&1
}
fails() { ! "$@"; }
check "101 (transport=tcp) registering over UDP is refused" fails reg_udp
check "... with 403, logged" wait_for grep -q "SIP endpoint 101 registered over UDP, but its transport is TCP" \
	"$T/log/full"
check "... and no contact was bound" cli_lacks "sip show contacts" "^101 "

UAS_PORT=$((PORT_BASE + 32))
timeout 30 sipp -sf "$S/uas_tcp.xml" -t t1 -i 127.0.0.1 -p "$UAS_PORT" -mi 127.0.0.1 -mp $((PORT_BASE + 40)) \
	-m 1 -nostdin -timeout 25 -timeout_error >"$T/uas.tcp.out" 2>&1 &
UAS_PID=$!
sleep 0.3
check "101 registering over TCP is taken (a Contact without transport=)" \
	timeout 20 sipp -sf "$S/register_tcp.xml" -t t1 -key uasport "$UAS_PORT" -au 101 -ap pw101 -i 127.0.0.1 \
	-p $((PORT_BASE + 31)) -m 1 -nostdin -timeout 15 -timeout_error "$LYRE"
check "... its contact is bound" cli_has "sip show contacts" "^101 .*:$UAS_PORT"
check "Dial(SIP/101) is placed" lyre_cli "channel originate SIP/101 application Wait 1"
check "... the INVITE reached 101 over TCP (transport=tcp), was answered and ended with BYE" wait "$UAS_PID"

lyre_stop
