# Issue 4's trunk options with sipp peers on both sides:
#  - from_user/from_domain in the From of Lyre's INVITE and in the AOR of
#    its REGISTER; send_pai; trust_id_inbound (a trusted caller's PAI is
#    its caller id, an untrusted caller's is ignored); Privacy: id from a
#    trusted caller hides the number from a trunk without trust_id_outbound;
#  - timers_sess_expires and timers=no in Lyre's INVITE;
#  - RFC 3326 Reason: a caller's BYE cause becomes HANGUPCAUSE, and Lyre's
#    BYE to the callee carries a Q.850 cause.
need_tool sipp
lyre_system
S=$TEST_DIR
LYRE=127.0.0.1:$PORT_BASE
ITSP_PORT=$((PORT_BASE + 30))
ITSP2_PORT=$((PORT_BASE + 31))

# The registrar listens before Lyre starts, so the first REGISTER finds it.
timeout 30 sipp -sf "$S/registrar_uas.xml" -i 127.0.0.1 -p "$ITSP_PORT" -m 1 -nostdin -timeout 25 \
	>"$T/sipp.reg.out" 2>&1 &
REG_PID=$!
sleep 0.3
lyre_start || exit 1
check "REGISTER names the AOR 5550100@itsp.example (from_user, from_domain)" wait "$REG_PID"
check "... and the trunk is registered" wait_for cli_has "sip show registrations" "^itsp .* Registered"

# uas NAME PORT FROM_RE PAI_RE PAI_CHECK SE_RE SE_CHECK: a provider for one
# call.  The regexps go into XML attributes: no <, > or " in them.
uas() {
	sed -e "s#@FROM_RE@#$3#" -e "s#@PAI_RE@#$4#" -e "s#@PAI_CHECK@#$5#" \
	    -e "s#@SE_RE@#$6#" -e "s#@SE_CHECK@#$7#" "$S/uas_provider.xml.in" >"$T/$1.xml"
	timeout 30 sipp -sf "$T/$1.xml" -i 127.0.0.1 -p "$2" -mi 127.0.0.1 -mp $((PORT_BASE + 40)) \
		-m 1 -nostdin -timeout 25 -timeout_error >"$T/$1.out" 2>&1 &
	UAS_PID=$!
	sleep 0.3
}
# uac NAME PORT EXTEN PAI PRIVACY: one call from a caller trunk.
uac() {
	timeout 30 sipp -sf "$S/uac_call.xml" -s "$3" -key pai "$4" -key privacy "$5" -i 127.0.0.1 -p "$2" \
		-mi 127.0.0.1 -mp $((PORT_BASE + 50)) -m 1 -nostdin -timeout 25 -timeout_error "$LYRE" \
		>"$T/$1.out" 2>&1
}
uas_ok() { wait "$UAS_PID"; }
logged() { wait_for grep -q "trunkopts $1" "$T/log/full"; }
log_count() { [ "$(grep -c "trunkopts $1" "$T/log/full")" = "$2" ]; }

# 1. An untrusted caller asserts 999: Lyre keeps its From number 5551000,
#    and asserts that to the provider, from 5550100@itsp.example.
uas uas1 "$ITSP_PORT" 'sip:5550100@itsp\.example' 'P-Asserted-Identity: .*Caller.*sip:5551000@' check_it \
	'Session-Expires: 600' check_it
check "untrusted caller: the call through the provider succeeds" uac uac1 $((PORT_BASE + 20)) 300 999 none
check "... the provider saw From 5550100@itsp.example, PAI 5551000, Session-Expires 600 and a BYE with a Q.850 Reason" uas_ok
check "... CALLERID(num) was the From number, not the untrusted PAI" logged "callerid: 5551000"
check "... the caller's BYE Reason cause 31 is the HANGUPCAUSE" logged "hangupcause: 31"
check "... no SIP channel is left" no_sip_channels

# 2. A trusted caller asserts 777: that is its caller id, and Lyre asserts it onward.
uas uas2 "$ITSP_PORT" 'sip:5550100@itsp\.example' 'P-Asserted-Identity: .*Boss.*sip:777@' check_it \
	'Supported: timer' check_it
check "trusted caller: the call through the provider succeeds" uac uac2 $((PORT_BASE + 21)) 300 777 none
check "... the provider saw PAI 777" uas_ok
check "... CALLERID(num) was the trusted PAI number" logged "callerid: 777"
check "... no SIP channel is left" no_sip_channels

# 3. A trusted caller asks for privacy: a trunk without trust_id_outbound
#    gets an anonymous From and no PAI; its timers=no sends no Session-Expires.
uas uas3 "$ITSP2_PORT" 'Anonymous.*sip:anonymous@anonymous\.invalid' 'P-Asserted-Identity' check_it_inverse \
	'(Session-Expires|Supported: timer)' check_it_inverse
check "private caller: the call through the second provider succeeds" uac uac3 $((PORT_BASE + 21)) 400 777 id
check "... that provider saw an anonymous From, no PAI and no session timer" uas_ok
check "... Lyre itself knew the number" log_count "callerid: 777" 2
check "... no SIP channel is left" no_sip_channels

lyre_stop
