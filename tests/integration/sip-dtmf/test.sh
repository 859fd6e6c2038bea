# DTMF with real peers: sipp UAC -> Lyre, where Read() collects the digits.
# RFC 4733 events from the pcaps sipp ships (after real RTP speech from its
# g711a.pcap), then digits in SIP INFO.  Each digit must arrive exactly once:
# the pcaps carry three end packets per digit.
need_tool sipp
[ -r /usr/share/sip-tester/dtmf_2833_1.pcap ] || { echo "1..0 # SKIP no sipp pcaps"; exit 0; }
lyre_system
lyre_start || exit 1

REG=127.0.0.1:$PORT_BASE
UAC_PORT=$((PORT_BASE + 20))
S=$TEST_DIR

uac() {
	local scen=$1
	shift
	timeout 40 sipp -sf "$S/$scen" -s 300 -i 127.0.0.1 -p "$UAC_PORT" -mi 127.0.0.1 \
		-mp $((PORT_BASE + 50)) -m 1 -nostdin -timeout 30 -timeout_error "$@" "$REG" \
		>"$T/uac.$scen.out" 2>&1
}
read_gave() { wait_for grep -q "dtmftest digits=\[$1\] status=$2" "$T/log/full"; }
read_count() { [ "$(grep -c 'dtmftest digits=' "$T/log/full")" = "$1" ]; }

check "RFC 4733 from sipp's pcaps: the call completes" uac uac_pcap_dtmf.xml
check "... Read() got exactly 1234 (# ended it), each digit once" read_gave 1234 OK
check "SIP INFO: the call completes, every INFO answered 200" uac uac_info_dtmf.xml
check "... Read() got exactly 567" read_gave 567 OK
check "... two Read() results in all" read_count 2
lyre_stop
