# RTCP (RFC 3550) and per-call statistics with real phones through Lyre.
# alice, bob and carol are baresip phones (they send RTCP; rtp_stats yes
# prints their own view at hangup); carol has rtcp_mux yes.
#  1. alice calls bob for ~12 s: `rtp show stats` shows RTCP received on
#     both legs, about no loss and a round-trip time; `core show channel`
#     has an RTP section; RTPAUDIOQOS reaches the h extension and the
#     hangup leaves a NOTICE line with the figures.
#  2. alice calls carol: carol's leg is RTCP-mux (RFC 5761), and a capture
#     shows RTCP between the two RTP ports, both ways; stats still work.
#  3. sipp plays 12 s of RTP with a tenth of the packets missing (a pcap
#     lossy-pcap.py writes: 60 of 600): Lyre counts about 10 % lost, in
#     `rtp show stats` and in RTPAUDIOQOS's lp.
need_tool baresip
need_tool sipp
need_tool tshark
need_tool python3
need_tool sox
lyre_system
lyre_start || exit 1
source "$SRC_TOP/tests/integration/baresip.sh"
S=$TEST_DIR

mkdir -p "$T/audio"
sox -n -r 8000 -c 1 -b 16 "$T/audio/tone1000-60s.wav" synth 60 sine 1000 vol 0.5
sox -n -r 8000 -c 1 -b 16 "$T/audio/tone440-60s.wav" synth 60 sine 440 vol 0.5

# phone NAME SIP CTL CONS RTP TONE PASS MUX: render and start it.
phone() {
	mkdir -p "$T/$1/rec"
	for f in config accounts; do
		sed -e "s|@AUDIO@|$T/audio|g; s|@OUT@|$T/$1|g; s|@LYRE_PORT@|$PORT_BASE|g" \
			-e "s|@NAME@|$1|g; s|@SIP@|$2|g; s|@CTL@|$3|g; s|@CONS@|$4|g; s|@RTP@|$5|g" \
			-e "s|@TONE@|$6|g; s|@PASS@|$7|g; s|@MUX@|$8|g; s|@MEDIAENC@||g" \
			"$S/phone/$f" >"$T/$1/$f"
	done
	baresip -f "$T/$1" -t 120 </dev/null >"$T/$1.log" 2>&1 &
	eval "PID_$1=\$!"
}
# The `rtp show stats` line whose remote port matches RE, and its column N
# (6 packets in, 17 RTCPin, 18 RTCPout, 19 Mux, 20 Loss%, 21 Jitter, 22 RTT).
stats_of() { lyre_cli "rtp show stats" >/dev/null; grep -E " 127\.0\.0\.1:$1 " "$T/cli.last" | head -1; }
stat_col() { stats_of "$1" | awk -v n="$2" '{ print $n }'; }
rtcp_in() { [ "$(stat_col "$1" 17)" -ge "$2" ]; }
has_rtt() { local r; r=$(stat_col "$1" 22); [ -n "$r" ] && [ "$r" != - ]; }
# Loss% of a leg within [LO, HI].
loss_in() { stat_col "$1" 20 | awk -v lo="$2" -v hi="$3" '{ exit !($1 >= lo && $1 <= hi) }'; }
qos_lines() { grep -c "rtcp qos \[ssrc=" "$T/log/full"; }

phone alice 25080 25454 25555 30000-30099 tone1000-60s.wav alice-secret-1 no
phone bob 25090 25494 25595 30100-30199 tone440-60s.wav bob-secret-2 no
phone carol 25100 25534 25635 30200-30299 tone440-60s.wav carol-secret-3 yes
check "alice registers" wait_for registered alice
check "bob registers" wait_for registered bob
check "carol registers" wait_for registered carol

tshark -i lo -f "udp portrange 30200-30299" -w "$T/mux.pcap" -q >"$T/tshark.out" 2>&1 &
TSHARK=$!
check "tshark captures on lo" wait_for grep -q "Capturing on" "$T/tshark.out"

# ---- call 1: alice -> bob, ~12 s ----
check "alice dials bob" bctl 25454 dial "sip:202@127.0.0.1:$PORT_BASE"
check "... alice's call is established" wait_for calls alice established 1
check "... bob's call is established" wait_for calls bob established 1
sleep 12
WAIT_S=10
check "... Lyre got RTCP from alice" wait_for rtcp_in '300[0-9][0-9]' 1
check "... and from bob" wait_for rtcp_in '301[0-9][0-9]' 1
check "... and sent its own to both" \
	[ "$(stat_col '300[0-9][0-9]' 18)" -ge 1 -a "$(stat_col '301[0-9][0-9]' 18)" -ge 1 ]
check "... alice's leg: packets in ($(stat_col '300[0-9][0-9]' 6))" \
	[ "$(stat_col '300[0-9][0-9]' 6)" -ge 400 ]
check "... about no loss on alice's leg ($(stat_col '300[0-9][0-9]' 20) %)" \
	loss_in '300[0-9][0-9]' 0 1
check "... nor on bob's ($(stat_col '301[0-9][0-9]' 20) %)" loss_in '301[0-9][0-9]' 0 1
check "... a round trip on alice's leg ($(stat_col '300[0-9][0-9]' 22) ms)" \
	wait_for has_rtt '300[0-9][0-9]'
check "... and on bob's ($(stat_col '301[0-9][0-9]' 22) ms)" wait_for has_rtt '301[0-9][0-9]'
cp "$T/cli.last" "$T/stats-call1.txt"
lyre_cli "core show channels" >/dev/null
CHAN=$(grep -oE "SIP/alice-[0-9a-f]+" "$T/cli.last" | head -1)
check "core show channel $CHAN has an RTP section with RTCP figures" \
	cli_has "core show channel $CHAN" "RTCP in/out: [1-9]"
check "... and the round trip" grep -qE "Round trip: [0-9.]+ ms" "$T/cli.last"
check "alice hangs up" bctl 25454 hangup
check "... bob's call ends" wait_for calls bob terminated 1
check "... no SIP channel is left" no_sip_channels
check "RTPAUDIOQOS reached the h extension" wait_for [ "$(qos_lines)" -ge 1 ]
check "... with RTCP's figures (themssrc, rxcount, rtt)" grep -qE \
	"rtcp qos \[ssrc=[0-9]+;themssrc=[1-9][0-9]*;lp=-?[0-9]+;rxjitter=[0-9.]+;rxcount=[1-9][0-9]+;txjitter=[0-9.]+;txcount=[1-9][0-9]+;rlp=-?[0-9]+;rtt=0\.[0-9]+\]" \
	"$T/log/full"
check "... CHANNEL(rtcp,all) in h gives them too" \
	grep -qE "rtcp channel \[ssrc=[0-9]+;themssrc=[1-9][0-9]*;lp=" "$T/log/full"
check "... and a NOTICE line at hangup for each leg" \
	grep -qE "NOTICE.*RTP SIP/bob-.*: in [0-9]+ pkts lost" "$T/log/full"
check "... alice's too" grep -qE "NOTICE.*RTP SIP/alice-.*: in [0-9]+ pkts lost" "$T/log/full"

# ---- call 2: alice -> carol, RTCP-mux on carol's leg ----
sleep 1
check "alice dials carol (rtcp_mux yes)" bctl 25454 dial "sip:203@127.0.0.1:$PORT_BASE"
check "... alice's call is established" wait_for calls alice established 2
check "... carol's call is established" wait_for calls carol established 1
check "... carol's leg is RTCP-mux" wait_for [ "$(stat_col '302[0-9][0-9]' 19)" = mux ]
check "... alice's is not" [ "$(stat_col '300[0-9][0-9]' 19)" = - ]
sleep 8
check "... Lyre got RTCP from carol on the RTP port" wait_for rtcp_in '302[0-9][0-9]' 1
check "... about no loss on carol's leg" loss_in '302[0-9][0-9]' 0 1
check "... a round trip on carol's leg" wait_for has_rtt '302[0-9][0-9]'
check "... no RTCP counted as a bad RTP header" [ "$(stat_col '302[0-9][0-9]' 10)" = 0 ]
check "alice hangs up" bctl 25454 hangup
check "... carol's call ends" wait_for calls carol terminated 1
check "... no SIP channel is left" no_sip_channels
kill -INT "$TSHARK"
wait "$TSHARK"
# RTCP (packet types 200-204) between two even (RTP) ports, each way.
tshark -r "$T/mux.pcap" -T fields -e udp.srcport -e udp.dstport -e udp.payload \
	>"$T/mux.fields" 2>"$T/tshark-read.out"
muxed() {
	awk -v dir="$1" '$1 % 2 == 0 && $2 % 2 == 0 && substr($3, 3, 2) ~ /^c[89abc]$/ {
		if (($1 >= 30200 && $1 < 30300) == (dir == "from-carol")) n++ }
		END { exit !(n >= 1) }' "$T/mux.fields"
}
check "the capture shows RTCP from carol's RTP port to Lyre's" muxed from-carol
check "... and from Lyre's RTP port to carol's" muxed to-carol
check "... and no RTCP on an odd port of carol's" \
	awk '($1 % 2 == 1 && $1 >= 30200 && $1 < 30300) || ($2 % 2 == 1 && $2 >= 30200 && $2 < 30300) { n++ } END { exit n > 0 }' "$T/mux.fields"

# ---- call 3: sipp plays RTP with 10 % of it missing ----
DROPPED=$(python3 "$S/lossy-pcap.py" "$T/lossy.pcap")
sed -e "s|@PCAP@|$T/lossy.pcap|" "$S/uac_lossy.xml" >"$T/uac_lossy.xml"
MP=$((PORT_BASE + 50))
timeout 60 sipp -sf "$T/uac_lossy.xml" -s 202 -i 127.0.0.1 -p $((PORT_BASE + 20)) \
	-mi 127.0.0.1 -mp $MP -m 1 -nostdin -timeout 40 -timeout_error \
	"127.0.0.1:$PORT_BASE" >"$T/sipp.out" 2>&1 &
SIPP=$!
check "sipp's call to bob is established" wait_for calls bob established 2
sleep 11
check "... Lyre counts about 10 % lost on sipp's leg ($(stat_col "$MP" 20) %, $DROPPED of 600 missing)" \
	loss_in "$MP" 8 12
cp "$T/cli.last" "$T/stats-call3.txt"
check "sipp hangs up and its scenario passes" wait "$SIPP"
check "... RTPAUDIOQOS's lp is about $DROPPED" wait_for [ "$(qos_lines)" -ge 2 ]
LP=$(grep "rtcp qos \[ssrc=" "$T/log/full" | tail -1 | sed -E 's/.*;lp=(-?[0-9]+);.*/\1/')
check "... ($LP)" [ "$LP" -ge $((DROPPED - 10)) -a "$LP" -le $((DROPPED + 2)) ]
check "... RTPAUDIOQOSLOSS says about 10 %" grep -qE "loss \[lp=$LP;loss_pct=(8|9|10|11)\.[0-9]+;" \
	"$T/log/full"

bctl 25454 quit
bctl 25494 quit
bctl 25534 quit
check "alice exits cleanly" wait "$PID_alice"
check "bob exits cleanly" wait "$PID_bob"
check "carol exits cleanly" wait "$PID_carol"
lyre_stop
