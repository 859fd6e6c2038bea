# Two baresip phones through Lyre: alice and bob register with digest,
# alice calls bob's extension (Dial(SIP/bob)), each plays its own tone and
# records what it hears, and each recording must hold the other's tone.
# Alice hangs up the first call; bob calls alice and hangs up the second.
# baresip keeps the ports its kit configs give it (inside this namespace).
need_tool baresip
need_tool sox
need_tool python3
lyre_system
# baresip 1.0.0 answers only MD5 digest challenges: offered only SHA-256
# (AUTH_ALGORITHMS=sha256), its REGISTER fails with "Function not implemented".
AUTH_ALGORITHMS=${AUTH_ALGORITHMS:-md5}
sed -i "s/@AUTH_ALGORITHMS@/$AUTH_ALGORITHMS/" "$ETC/sip.conf"
lyre_start || exit 1
source "$SRC_TOP/tests/integration/baresip.sh"
S=$TEST_DIR
ALICE_CTL=25454
BOB_CTL=25494

# The tones each phone plays: 8 kHz mono 16-bit, 60 s (baresip ends a call
# when its aufile source reaches the end).
mkdir -p "$T/audio"
sox -n -r 8000 -c 1 -b 16 "$T/audio/tone1000-60s.wav" synth 60 sine 1000 vol 0.5
sox -n -r 8000 -c 1 -b 16 "$T/audio/tone440-60s.wav" synth 60 sine 440 vol 0.5

# phone NAME: render its config into $T/NAME and start it, bounded by -t.
phone() {
	mkdir -p "$T/$1/rec"
	for f in config accounts; do
		sed -e "s|@AUDIO@|$T/audio|g; s|@OUT@|$T/$1|g; s|@LYRE_PORT@|$PORT_BASE|g" "$S/$1/$f" >"$T/$1/$f"
	done
	baresip -f "$T/$1" -t 60 </dev/null >"$T/$1.log" 2>&1 &
	eval "PID_$1=\$!"
}
dialstatus() { wait_for [ "$(grep -c "baresip dialstatus: ANSWER" "$T/log/full")" -ge "$1" ]; }

phone alice
phone bob
check "alice registers with digest ($AUTH_ALGORITHMS)" wait_for registered alice
check "bob registers with digest ($AUTH_ALGORITHMS)" wait_for registered bob

# Call 1: alice dials 202, bob answers (answermode=auto), alice hangs up.
check "alice dials 202" bctl "$ALICE_CTL" dial "sip:202@127.0.0.1:$PORT_BASE"
check "... alice's call is established" wait_for calls alice established 1
check "... bob's call is established" wait_for calls bob established 1
check "... Lyre bridges the two SIP channels" wait_for cli_has "core show channels" "SIP/bob"
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
check "bob dials 201" bctl "$BOB_CTL" dial "sip:201@127.0.0.1:$PORT_BASE"
check "... bob's call is established" wait_for calls bob established 2
check "... alice's call is established" wait_for calls alice established 2
sleep 4
check "bob hangs up" bctl "$BOB_CTL" hangup
check "... alice's call ends" wait_for calls alice terminated 2
check "... bob's call ends" wait_for calls bob terminated 2
check "... no SIP channel is left" no_sip_channels
check "... Dial said ANSWER" dialstatus 2
check "... bob heard alice's 1000 Hz tone" heard bob 1000
check "... alice heard bob's 440 Hz tone" heard alice 440

bctl "$ALICE_CTL" quit
bctl "$BOB_CTL" quit
check "alice exits cleanly" wait "$PID_alice"
check "bob exits cleanly" wait "$PID_bob"
lyre_stop
