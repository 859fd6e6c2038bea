# Answered calls through chan_sip over each transport, with real sipp
# peers: sipp UAC (a trunk host) -> Lyre Dial(SIP/callee_x/200) -> sipp UAS
# behind a trunk of the same transport.  TCP, UDP over IPv6 loopback, and
# TLS when Debian's sipp was built with it.  Mid-call, `sip show channels`
# lists both legs.
need_tool sipp
lyre_system

UAC_PORT=$((PORT_BASE + 20))
UAS_PORT=$((PORT_BASE + 30))
S=$TEST_DIR

# TLS needs a sipp built with OpenSSL (its -h lists -tls_cert) and a
# certificate, which the test makes; Lyre's tls transport comes with them.
TLS_SKIP=
if ! sipp -h 2>&1 | grep -q tls_cert; then
	TLS_SKIP="this sipp has no TLS support (built without OpenSSL)"
elif ! command -v openssl >/dev/null 2>&1; then
	TLS_SKIP="openssl is not installed"
else
	mkdir -p "$T/tls"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1,IP:127.0.0.2 \
		-keyout "$T/tls/key.pem" -out "$T/tls/cert.pem" >"$T/openssl.out" 2>&1 ||
		TLS_SKIP="openssl could not make a certificate"
fi
if [ -z "$TLS_SKIP" ]; then
	cat >>"$ETC/sip.conf" <<EOT

[tls]
type = transport
protocol = tls
bind = 127.0.0.1:$((PORT_BASE + 3))
cert_file = $T/tls/cert.pem
priv_key_file = $T/tls/key.pem
ca_list_file = $T/tls/cert.pem

[callee_tls]
type = trunk
host = 127.0.0.1:$UAS_PORT
transport = tls
context = calltest
EOT
fi

lyre_start || exit 1
# SIP messages go to the log, to tell a failing transport from a failing call.
lyre_cli "sip set debug on"

# uas TRANSPORT IP [args]: a UAS that answers one call and hangs up 3 s later.
uas() {
	local tp=$1 ip=$2
	shift 2
	timeout 30 sipp -sf "$S/uas_answer_pause.xml" -t "$tp" -i "$ip" -p "$UAS_PORT" -mi "$ip" \
		-mp $((PORT_BASE + 40)) -m 1 -nostdin -timeout 25 -timeout_error "$@" >"$T/uas.out" 2>&1 &
	UAS_PID=$!
	sleep 0.3
}
# uac TRANSPORT IP LYRE NUMBER [args]: one call in the background.
uac() {
	local tp=$1 ip=$2 lyre=$3 number=$4
	shift 4
	timeout 30 sipp -sf "$S/uac_wait_bye.xml" -s "$number" -t "$tp" -i "$ip" -p "$UAC_PORT" -mi "$ip" \
		-mp $((PORT_BASE + 50)) -m 1 -nostdin -timeout 25 -timeout_error "$@" "$lyre" \
		>"$T/uac.out" 2>&1 &
	UAC_PID=$!
}
uas_ok() { wait "$UAS_PID"; }
uac_ok() { wait "$UAC_PID"; }
CALLS=0
answered() { [ "$(grep -c "siptp dialstatus: ANSWER" "$T/log/full")" -ge "$1" ]; }
# Both legs up: the inbound one from the caller trunk, the outbound one to
# the callee trunk, each confirmed with its format and RTP addresses.
two_channels() {
	cli_has "sip show channels" "^2 active SIP channels" &&
		grep -qE "^SIP/$1-[0-9a-f]+ +$1 +in .* confirmed +alaw +$2" "$T/cli.last" &&
		grep -qE "^SIP/$3-[0-9a-f]+ +$3 +out .* confirmed +alaw +$2" "$T/cli.last"
}
no_sip_channels() { wait_for cli_has "sip show channels" "^0 active SIP channels"; }

# call NAME TRANSPORT UAC_IP UAS_IP LYRE NUMBER CALLER CALLEE RTP_RE
call() {
	local name=$1 tp=$2 uac_ip=$3 uas_ip=$4 lyre=$5 number=$6 caller=$7 callee=$8 rtp=$9
	shift 9
	CALLS=$((CALLS + 1))
	uas "$tp" "$uas_ip" "$@"
	uac "$tp" "$uac_ip" "$lyre" "$number" "$@"
	check "$name: sip show channels lists both legs mid-call" wait_for two_channels "$caller" "$rtp" "$callee"
	cp "$T/cli.last" "$T/channels.$number"
	check "$name: the caller's call succeeds" uac_ok
	check "$name: the callee's scenario completes" uas_ok
	check "$name: Dial said ANSWER" wait_for answered "$CALLS"
	check "$name: no SIP channel is left" no_sip_channels
}

check "sip show channels with no call" cli_has "sip show channels" "^0 active SIP channels"
call TCP t1 127.0.0.2 127.0.0.1 "127.0.0.1:$((PORT_BASE + 1))" tcp caller callee_tcp '127\.0\.0\.1:[0-9]+'
call "IPv6 UDP" u1 ::1 ::1 "[::1]:$((PORT_BASE + 2))" v6 caller6 callee_v6 '\[::1\]:[0-9]+'
if [ -n "$TLS_SKIP" ]; then
	printf 'ok - # SKIP TLS call: %s\n' "$TLS_SKIP"
else
	call TLS l1 127.0.0.2 127.0.0.1 "127.0.0.1:$((PORT_BASE + 3))" tls caller callee_tls '127\.0\.0\.1:[0-9]+' \
		-tls_cert "$T/tls/cert.pem" -tls_key "$T/tls/key.pem"
fi
lyre_stop
