# Calls over TLS with real phones: two baresip phones register to Lyre over
# TLS (digest), alice calls bob's extension (Dial(SIP/bob)), each plays its
# own tone and records what it hears, and each recording must hold the
# other's tone; then bob calls alice.  Lyre also listens on UDP, and every
# SIP message must have gone over TLS: `sip show contacts` says TLS, the
# SIP debug log has TLS messages and not one UDP message, and the kernel
# shows each phone's TLS connection to Lyre's TLS port.
# (Debian's sipp has no TLS, which is why this test uses baresip.)
need_tool baresip
need_tool sox
need_tool python3
need_tool openssl
need_tool ss
lyre_system
S=$TEST_DIR
TLS_PORT=$((PORT_BASE + 1))
ALICE_CTL=25454
BOB_CTL=25494

# One self-signed certificate for 127.0.0.1 serves Lyre and both phones.
mkdir -p "$T/tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$T/tls/key.pem" -out "$T/tls/cert.pem" \
	>"$T/openssl.out" 2>&1 || { fail "openssl makes a certificate" "$(cat "$T/openssl.out")"; exit 1; }
cat "$T/tls/cert.pem" "$T/tls/key.pem" >"$T/tls/bundle.pem"

lyre_start || exit 1
source "$SRC_TOP/tests/integration/baresip.sh"
# registered_tls NAME: its contact is listed, reached over TLS.
registered_tls() { cli_has "sip show contacts" "^$1 +sip:[^ ]*transport=tls[^ ]* +[0-9]+ +TLS +127\.0\.0\.1:"; }
# Every SIP message goes to the log with its transport ("read from TLS ...").
lyre_cli "sip set debug on"

mkdir -p "$T/audio"
sox -n -r 8000 -c 1 -b 16 "$T/audio/tone1000-60s.wav" synth 60 sine 1000 vol 0.5
sox -n -r 8000 -c 1 -b 16 "$T/audio/tone440-60s.wav" synth 60 sine 440 vol 0.5

# phone NAME: render its config into $T/NAME and start it, bounded by -t.
phone() {
	mkdir -p "$T/$1/rec"
	for f in config accounts; do
		sed -e "s|@AUDIO@|$T/audio|g; s|@OUT@|$T/$1|g; s|@TLS@|$T/tls|g; s|@LYRE_TLS_PORT@|$TLS_PORT|g" \
			"$S/$1/$f" >"$T/$1/$f"
	done
	baresip -f "$T/$1" -t 60 </dev/null >"$T/$1.log" 2>&1 &
	eval "PID_$1=\$!"
}
dialstatus() { wait_for [ "$(grep -c "tls dialstatus: ANSWER" "$T/log/full")" -ge "$1" ]; }
# Both legs of a call, each with its format and RTP addresses.
two_legs() {
	cli_has "sip show channels" "^2 active SIP channels" &&
		grep -qE "^SIP/$1-[0-9a-f]+ +$1 +in .* confirmed +(ulaw|alaw) " "$T/cli.last" &&
		grep -qE "^SIP/$2-[0-9a-f]+ +$2 +out .* confirmed +(ulaw|alaw) " "$T/cli.last"
}
# sip_over WHAT PROTO: the SIP debug log holds at least one message sent /
# read over PROTO (WHAT: "sent to" or "read from").
sip_over() { grep -qE "<--- SIP $1 $2 " "$T/log/full"; }
no_sip_over() { ! sip_over "$@"; }
# invites_over_tls N: at least N INVITEs went out over TLS (to the phones).
invites_over_tls() { [ "$(grep -A1 -E "<--- SIP sent to TLS " "$T/log/full" | grep -c "^INVITE sip:")" -ge "$1" ]; }
# tls_conns: established TCP connections to Lyre's TLS port, one per phone
# (baresip keeps the registration's connection open).
tls_conns() { [ "$(ss -Htn state established "( sport = :$TLS_PORT )" | wc -l)" -ge 2 ]; }

phone alice
phone bob
check "alice registers over TLS with digest" wait_for registered_tls alice
check "bob registers over TLS with digest" wait_for registered_tls bob
check "... both phones hold a TLS connection to Lyre's TLS port" tls_conns

# Call 1: alice dials 202 over TLS, bob answers (answermode=auto), alice hangs up.
# The URI names no transport: baresip takes its account's (TLS).
check "alice dials 202" bctl "$ALICE_CTL" dial "sip:202@127.0.0.1:$TLS_PORT"
check "... alice's call is established" wait_for calls alice established 1
check "... bob's call is established" wait_for calls bob established 1
check "... Lyre bridges the two SIP legs" wait_for two_legs alice bob
sleep 4
check "alice hangs up" bctl "$ALICE_CTL" hangup
check "... bob's call ends" wait_for calls bob terminated 1
check "... alice's call ends" wait_for calls alice terminated 1
check "... no SIP channel is left" no_sip_channels
check "... Dial said ANSWER" dialstatus 1
check "... alice heard bob's 440 Hz tone" heard alice 440
check "... bob heard alice's 1000 Hz tone" heard bob 1000

# Call 2: bob dials 201, alice answers, bob hangs up.
sleep 1
check "bob dials 201" bctl "$BOB_CTL" dial "sip:201@127.0.0.1:$TLS_PORT"
check "... bob's call is established" wait_for calls bob established 2
check "... alice's call is established" wait_for calls alice established 2
check "... Lyre bridges the two SIP legs" wait_for two_legs bob alice
sleep 4
check "bob hangs up" bctl "$BOB_CTL" hangup
check "... alice's call ends" wait_for calls alice terminated 2
check "... bob's call ends" wait_for calls bob terminated 2
check "... no SIP channel is left" no_sip_channels
check "... Dial said ANSWER" dialstatus 2
check "... bob heard alice's 1000 Hz tone" heard bob 1000
check "... alice heard bob's 440 Hz tone" heard alice 440

check "Lyre read SIP over TLS" sip_over "read from" TLS
check "... and sent SIP over TLS" sip_over "sent to" TLS
check "... and never read SIP over UDP" no_sip_over "read from" UDP
check "... nor sent any" no_sip_over "sent to" UDP
check "... both INVITEs to the phones went over TLS" invites_over_tls 2

bctl "$ALICE_CTL" quit
bctl "$BOB_CTL" quit
check "alice exits cleanly" wait "$PID_alice"
check "bob exits cleanly" wait "$PID_bob"
lyre_stop
