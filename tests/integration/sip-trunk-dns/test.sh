# Trunks named by DNS (RFC 3263 §4), against a DNS server of the test's own
# (bin/dns-zone on loopback, named by [general] dns_server):
#  - host=itsp.test: SRV _sip._udp.itsp.test gives two targets, resolved
#    and shown in priority order by `sip show trunks`; host=plain.test has
#    no SRV and falls back to its A record, port 5060;
#  - the outbound REGISTER and the INVITE of Dial(SIP/itsp/123) go to the
#    first target, which never answers, and after Timer F / Timer B to the
#    second (§4.3), keeping itsp.test in their Request-URI;
#  - an INVITE from the second target's address (another port) enters the
#    trunk's context without a challenge; one from elsewhere gets 401.
need_tool sipp
need_tool python3
lyre_system
S=$TEST_DIR
LYRE=127.0.0.1:$PORT_BASE
DNS_PORT=$((PORT_BASE + 1))
SBC_PORT=$((PORT_BASE + 10))
DEAD_PORT=$((PORT_BASE + 11))

perl -pe 's/\@PORT\+(\d+)\@/$ENV{PORT_BASE}+$1/ge' "$S/zone.in" >"$T/zone"
"$SRC_TOP/tests/integration/bin/dns-zone" 127.0.0.1 "$DNS_PORT" "$T/zone" >"$T/dns.out" 2>&1 &
DNS_PID=$!
trap 'kill $DNS_PID 2>/dev/null; finish' EXIT
check "the test's DNS server is up" wait_for grep -q READY "$T/dns.out"

# The registrar listens at the good target before Lyre starts.
timeout 40 sipp -sf "$S/registrar.xml" -i 127.0.0.2 -p "$SBC_PORT" -m 1 -nostdin -timeout 35 \
	>"$T/sipp.reg.out" 2>&1 &
REG_PID=$!
sleep 0.3
lyre_start || exit 1

# sip show trunks, its lines joined with "|", matches an extended regex
trunks_have() { lyre_cli "sip show trunks" && tr '\n' '|' <<<"$CLI_OUT" | grep -qE -- "$1"; }
lyre_cli "core set verbose 3"

check "sip show trunks: itsp.test resolved through SRV" \
	wait_for cli_has "sip show trunks" "DNS itsp.test: Resolved \(SRV\)"
check "... the priority-10 target first, then the priority-20 one" \
	trunks_have "1\. 127\.0\.0\.3:$DEAD_PORT\| *2\. 127\.0\.0\.2:$SBC_PORT\|"
check "... plain.test (no SRV) resolved to its A record on port 5060" \
	trunks_have "DNS plain\.test: Resolved,[^|]*\| *1\. 127\.0\.0\.4:5060\|"
check "the SRV record was asked for by the trunk's transport" grep -q "QUERY _sip._udp.itsp.test SRV" "$T/dns.out"

# Timer F toward the dead target is 64*T1 = 6.4 s, then the next one.
check "REGISTER reached the second target, sip:itsp.test in its Request-URI" wait "$REG_PID"
check "... and the trunk is registered" wait_for cli_has "sip show registrations" "^itsp .* Registered"

# A call from the provider's address (another port than its SRV one)
# enters from-itsp without a challenge, and goes back out through the
# trunk: the INVITE fails over from the dead target to the SBC (Timer B).
timeout 40 sipp -sf "$S/uas.xml" -i 127.0.0.2 -p "$SBC_PORT" -mi 127.0.0.2 -mp $((PORT_BASE + 40)) \
	-m 1 -nostdin -timeout 35 -timeout_error >"$T/uas.out" 2>&1 &
UAS_PID=$!
sleep 0.3
check "a call from 127.0.0.2 (the resolved address) is answered without a challenge" \
	timeout 40 sipp -sf "$SRC_TOP/tests/integration/sip-trunk-options/uac_call.xml" -s 500 -key pai 5551000 \
	-key privacy none -i 127.0.0.2 -p $((PORT_BASE + 20)) -mi 127.0.0.2 -mp $((PORT_BASE + 50)) -m 1 \
	-nostdin -timeout 35 -timeout_error "$LYRE"
check "... it entered the trunk's context as SIP/itsp" grep -q "dnstest inbound on SIP/itsp-" "$T/log/full"
check "... Dial(SIP/itsp/123) reached the SBC after the dead target, sip:123@itsp.test" wait "$UAS_PID"
check "... and the failover was logged" grep -q "trying the trunk's next address" "$T/log/full"

check "an INVITE from 127.0.0.5, not the trunk's, is challenged (401)" \
	timeout 20 sipp -sf "$S/uac_401.xml" -i 127.0.0.5 -p $((PORT_BASE + 21)) -m 1 -nostdin -timeout 15 \
	-timeout_error "$LYRE"
check "no SIP channel is left" wait_for cli_lacks "core show channels" "SIP/"

# A reload that changes nothing keeps the answer; the DNS server going
# away keeps the last good addresses (shown as they were).
kill "$DNS_PID" 2>/dev/null
check "after a reload with the DNS server gone, the addresses are kept" \
	lyre_cli "module reload chan_sip"
check "... itsp still lists both targets" cli_has "sip show trunks" "2\. 127\.0\.0\.2:$SBC_PORT"

lyre_stop
