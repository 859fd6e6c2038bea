# SRTP (SDES, RFC 4568) through Lyre with real phones.  alice and bob are
# baresip phones with mediaenc=srtp-mand (RTP/SAVP, a=crypto) and endpoints
# with srtp=mandatory; carol is a plain phone (srtp=no).
#  1. alice calls bob: both legs are SRTP, each under its own keys; each
#     phone hears the other's tone, and a capture on lo (tshark) holds no
#     RTP payload equal to the plain G.711 of either tone on those legs.
#     During the call, random datagrams and SRTP-looking packets with wrong
#     tags are sent at Lyre's port for alice: counted as auth failures in
#     `rtp show stats`, and the call's audio goes on.
#  2. alice (SRTP) calls carol (plain): both hear each other, and carol's
#     leg does carry the plain G.711 tone (which shows the payload check
#     can see plain audio when there is some).
#  3. sipp sends a plain offer to a trunk with srtp=mandatory: 488.
need_tool baresip
need_tool sox
need_tool python3
need_tool tshark
need_tool sipp
lyre_system
lyre_start || exit 1
source "$SRC_TOP/tests/integration/baresip.sh"
S=$TEST_DIR

check "SRTP over UDP is flagged in sip show endpoint" \
	cli_has "sip show endpoint alice" "SRTP: +mandatory +WARNING"
check "... and at load" grep -q "endpoint alice: srtp=mandatory over a transport that is not TLS" \
	"$T/log/full"
check "... not for an endpoint with srtp=no" cli_lacks "sip show endpoint carol" "WARNING"

mkdir -p "$T/audio"
sox -n -r 8000 -c 1 -b 16 "$T/audio/tone1000-60s.wav" synth 60 sine 1000 vol 0.5
sox -n -r 8000 -c 1 -b 16 "$T/audio/tone440-60s.wav" synth 60 sine 440 vol 0.5
# The plain G.711 (mu-law) of each tone, to look for in the capture.
sox "$T/audio/tone1000-60s.wav" -t ul "$T/audio/tone1000.ul"
sox "$T/audio/tone440-60s.wav" -t ul "$T/audio/tone440.ul"

# phone NAME SIP CTL CONS RTP TONE PASS MEDIAENC: render and start it.
phone() {
	mkdir -p "$T/$1/rec"
	for f in config accounts; do
		sed -e "s|@AUDIO@|$T/audio|g; s|@OUT@|$T/$1|g; s|@LYRE_PORT@|$PORT_BASE|g" \
			-e "s|@NAME@|$1|g; s|@SIP@|$2|g; s|@CTL@|$3|g; s|@CONS@|$4|g; s|@RTP@|$5|g" \
			-e "s|@TONE@|$6|g; s|@PASS@|$7|g; s|@MEDIAENC@|$8|g" "$S/phone/$f" >"$T/$1/$f"
	done
	baresip -f "$T/$1" -t 90 </dev/null >"$T/$1.log" 2>&1 &
	eval "PID_$1=\$!"
}
dialstatus() { wait_for [ "$(grep -c "srtp dialstatus: ANSWER" "$T/log/full")" -ge "$1" ]; }
# stats_of RANGE_RE: the `rtp show stats` line of the session whose remote
# is a phone port matching RANGE_RE (e.g. 300[0-9][0-9]).
stats_of() { lyre_cli "rtp show stats" >/dev/null; grep -E " 127\.0\.0\.1:$1 " "$T/cli.last" | head -1; }
# column N of that line (15: AuthFail, 14: SRTP, 6: packets in)
stat_col() { stats_of "$1" | awk -v n="$2" '{ print $n }'; }

phone alice 25080 25454 25555 30000-30099 tone1000-60s.wav alice-secret-1 ";mediaenc=srtp-mand"
phone bob 25090 25494 25595 30100-30199 tone440-60s.wav bob-secret-2 ";mediaenc=srtp-mand"
phone carol 25100 25534 25635 30200-30299 tone440-60s.wav carol-secret-3 ""
check "alice registers" wait_for registered alice
check "bob registers" wait_for registered bob
check "carol registers" wait_for registered carol

# Capture the phones' RTP on lo for the whole of call 1 and call 2.
tshark -i lo -f "udp portrange 30000-30299" -w "$T/rtp.pcap" -q >"$T/tshark.out" 2>&1 &
TSHARK=$!
check "tshark captures on lo" wait_for grep -q "Capturing on" "$T/tshark.out"

# ---- call 1: SRTP to SRTP ----
check "alice (SRTP) dials bob (SRTP)" bctl 25454 dial "sip:202@127.0.0.1:$PORT_BASE"
check "... alice's call is established" wait_for calls alice established 1
check "... bob's call is established" wait_for calls bob established 1
check "... baresip says SRTP is on at alice" grep -q "SRTP is Enabled" "$T/alice.log"
check "... and at bob" grep -q "SRTP is Enabled" "$T/bob.log"
check "... Lyre's leg to alice is SRTP" wait_for [ "$(stat_col '300[0-9][0-9]' 14)" = cm80 ]
check "... Lyre's leg to bob is SRTP" wait_for [ "$(stat_col '301[0-9][0-9]' 14)" = cm80 ]
sleep 2
# Attack the port Lyre receives alice's SRTP on, in mid-call.
line=$(stats_of '300[0-9][0-9]')
lport=$(echo "$line" | awk '{ split($1, a, ":"); print a[2] }')
ssrc=$(echo "$line" | awk '{ print $5 }')
before=$(echo "$line" | awk '{ print $6 }')
check "garbage and wrong SRTP tags sent at Lyre's RTP port ($lport)" \
	python3 "$S/send-bad.py" "$lport" "$ssrc"
# 10 garbage + the 31 or 32 forged packets ahead of the stream fail
# authentication; the rest are too old for the replay window.
authfail() { [ "$(stat_col '300[0-9][0-9]' 15)" -ge 40 ]; }
dropped() { [ $(($(stat_col '300[0-9][0-9]' 15) + $(stat_col '300[0-9][0-9]' 16))) -ge 74 ]; }
check "... counted as SRTP auth failures" wait_for authfail
check "... every one dropped as auth failure or replay" wait_for dropped
sleep 2
after=$(stat_col '300[0-9][0-9]' 6)
check "... alice's audio goes on ($before -> $after packets)" [ "$after" -ge $((before + 50)) ]
# SRTCP (RFC 3711 §3.4): the phones' reports authenticate under each leg's
# keys (17: RTCPin, 24: RTCPbad; alice's leg also took the garbage above).
# baresip opens with an RTCP APP "PINGPONG" sent plain and then as SRTCP:
# neither is a compound packet (RFC 3550 §A.2), so those two count as bad.
check "... SRTCP from alice is taken" wait_for [ "$(stat_col '300[0-9][0-9]' 17)" -ge 1 ]
check "... and from bob, nothing refused but baresip's two opening APP packets" \
	wait_for [ "$(stat_col '301[0-9][0-9]' 17)" -ge 1 -a "$(stat_col '301[0-9][0-9]' 24)" -le 2 ]
sleep 1
check "alice hangs up" bctl 25454 hangup
check "... bob's call ends" wait_for calls bob terminated 1
check "... alice's call ends" wait_for calls alice terminated 1
check "... no SIP channel is left" no_sip_channels
check "... Dial said ANSWER" dialstatus 1
check "... alice heard bob's 440 Hz tone" heard alice 440
check "... bob heard alice's 1000 Hz tone" heard bob 1000

# ---- call 2: SRTP to plain ----
sleep 1
check "alice (SRTP) dials carol (plain)" bctl 25454 dial "sip:203@127.0.0.1:$PORT_BASE"
check "... alice's call is established" wait_for calls alice established 2
check "... carol's call is established" wait_for calls carol established 1
check "... Lyre's leg to alice is SRTP" wait_for [ "$(stat_col '300[0-9][0-9]' 14)" = cm80 ]
check "... Lyre's leg to carol is plain" wait_for [ "$(stat_col '302[0-9][0-9]' 14)" = - ]
sleep 4
check "alice hangs up" bctl 25454 hangup
check "... carol's call ends" wait_for calls carol terminated 1
check "... no SIP channel is left" no_sip_channels
check "... Dial said ANSWER" dialstatus 2
check "... alice heard carol's 440 Hz tone" heard alice 440
check "... carol heard alice's 1000 Hz tone" heard carol 1000

kill -INT "$TSHARK"
wait "$TSHARK"
tshark -r "$T/rtp.pcap" -T fields -e udp.srcport -e udp.dstport -e udp.payload \
	>"$T/rtp.fields" 2>"$T/tshark-read.out"
python3 "$S/payloads.py" "$T/rtp.fields" "$T/audio/tone1000.ul" "$T/audio/tone440.ul" \
	>"$T/payloads.out"
count() { awk -v leg="$1" -v k="$2" '$1 == leg { split($0, f, k "="); split(f[2], v, " "); print v[1] }' "$T/payloads.out"; }
check "the capture holds alice's SRTP ($(count alice packets) packets)" [ "$(count alice packets)" -ge 200 ]
check "... none of it is plain G.711 of a tone" [ "$(count alice plain)" -eq 0 ]
check "the capture holds bob's SRTP ($(count bob packets) packets)" [ "$(count bob packets)" -ge 200 ]
check "... none of it is plain G.711 of a tone" [ "$(count bob plain)" -eq 0 ]
check "carol's plain leg does show plain G.711 ($(count carol plain) of $(count carol packets))" \
	[ "$(count carol plain)" -ge 100 ]

# ---- a plain offer to srtp=mandatory ----
check "a plain offer to a trunk with srtp=mandatory gets 488" \
	timeout 30 sipp -sf "$S/uac_plain_offer.xml" -s 202 -i 127.0.0.1 -p $((PORT_BASE + 20)) \
	-mi 127.0.0.1 -mp $((PORT_BASE + 50)) -m 1 -nostdin -timeout 20 -timeout_error \
	"127.0.0.1:$PORT_BASE" >"$T/sipp.out" 2>&1

bctl 25454 quit
bctl 25494 quit
bctl 25534 quit
check "alice exits cleanly" wait "$PID_alice"
check "bob exits cleanly" wait "$PID_bob"
check "carol exits cleanly" wait "$PID_carol"
lyre_stop
