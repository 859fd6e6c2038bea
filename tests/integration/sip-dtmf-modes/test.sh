# DTMF across modes, with real peers, and broken RTP on a plain call:
#   A  in-band: baresip (tom, dtmfmode=inband) plays a WAV of DTMF tones
#      "2580#"; Read() at Lyre collects exactly 2580, each digit once.
#   B  RFC 4733 -> INFO: sipp sends the pcaps 1 2 3 4 #, Lyre Dials the INFO
#      phone (sipp UAS) which must get exactly the five INFOs, in order.
#   C  RFC 4733 -> in-band: the same digits Dialed to tom; his recording
#      must hold the tone pairs 1 2 3 4 # (Goertzel: dtmf-check.py).
#   D  Read()'s t() option: t(*) ends at '*' ('*' first: INTERRUPTED), t()
#      reads '#' as a digit.  (sipp's pcaps carry fixed RTP timestamps, in
#      the order 1 2 3 4 * #: a pcap played after a later one is an old
#      event to Lyre, as it should be, so the digits go in that order.)
#   E  bad input: random bytes, truncated headers, version 1, CSRC count 15,
#      oversized padding at Lyre's RTP port mid-call: all 50 dropped and
#      counted (BadHdr), and the far end still hears the tone afterwards.
need_tool sipp
need_tool baresip
need_tool sox
need_tool python3
[ -r /usr/share/sip-tester/dtmf_2833_1.pcap ] || { echo "1..0 # SKIP no sipp pcaps"; exit 0; }
lyre_system
lyre_start || exit 1
source "$SRC_TOP/tests/integration/baresip.sh"
# read_logged TEXT: the log soon has TEXT (Read()'s result line, taken literally).
read_logged() { wait_for grep -qF "$1" "$T/log/full"; }

REG=127.0.0.1:$PORT_BASE
UAC_PORT=$((PORT_BASE + 20))
UAS_PORT=$((PORT_BASE + 30))
S=$TEST_DIR

# ---- audio: tom's DTMF tones, amy's 1000 Hz ----
mkdir -p "$T/audio"
sox -n -r 8000 -c 1 -b 16 "$T/audio/gap.wav" trim 0 0.1
parts=()
for pair in "697 1336" "770 1336" "852 1336" "941 1336" "941 1477"; do	# 2 5 8 0 #
	set -- $pair
	sox -n -r 8000 -c 1 -b 16 "$T/audio/d$1-$2.wav" synth 0.1 sine "$1" sine "$2" remix - vol 0.4
	parts+=("$T/audio/d$1-$2.wav" "$T/audio/gap.wav")
done
sox -n -r 8000 -c 1 -b 16 "$T/audio/lead.wav" trim 0 1.5
sox -n -r 8000 -c 1 -b 16 "$T/audio/tail.wav" trim 0 30
sox "$T/audio/lead.wav" "${parts[@]}" "$T/audio/tail.wav" "$T/audio/tom.wav"
sox -n -r 8000 -c 1 -b 16 "$T/audio/amy.wav" synth 60 sine 1000 vol 0.5
check "the test WAV itself reads as 2580#" \
	[ "$(python3 "$S/dtmf-check.py" "$T/audio/tom.wav")" = "2580#" ]


# uac DIGITS END [SERVICE]: the RFC 4733 caller; DIGITS names sipp's pcaps
# (1 2 3 4 pound star), END is bye (caller hangs up) or wait (Lyre does).
uac() {
	local play="" d scen=$T/uac-$$-$RANDOM.xml
	for d in $1; do
		# a pause between digits, none after the last: Lyre's BYE may come
		[ -n "$play" ] && play+="  <pause milliseconds=\"300\"/>
"
		play+="  <nop><action><exec play_pcap_audio=\"/usr/share/sip-tester/dtmf_2833_$d.pcap\"/></action></nop>
"
	done
	python3 - "$S/uac_4733.xml.in" "$S/uac_end_$2.xml.part" "$1" "$2" "$play" >"$scen" <<'PY'
import sys
t = open(sys.argv[1]).read()
print(t.replace("@PLAY@", sys.argv[5]).replace("@END@", open(sys.argv[2]).read())
       .replace("@DIGITS@", sys.argv[3]), end="")
PY
	timeout 40 sipp -sf "$scen" -s "$3" -i 127.0.0.1 -p "$UAC_PORT" -mi 127.0.0.1 \
		-mp $((PORT_BASE + 50)) -m 1 -nostdin -timeout 30 -timeout_error "$REG" \
		>>"$T/uac.out" 2>&1
}

baresip_phone tom 6 "$(baresip_account tom tom-secret-2 pcmu)"
baresip_phone amy 7 "$(baresip_account amy amy-secret-3 pcmu)"
check "tom (in-band) registers" wait_for registered tom
check "amy registers" wait_for registered amy

# ---- A: in-band digits from a real phone reach Read() ----
check "A: tom dials 400" bctl tom dial "sip:400@127.0.0.1:$PORT_BASE"
check "... tom's call is established" wait_for calls tom established 1
check "... Read() got exactly 2580 from the tones, # ended it" \
	read_logged "modes digits=[2580] status=OK"
check "... tom's call ends (Lyre hung up)" wait_for calls tom terminated 1
check "... one Read() result" [ "$(grep -c 'modes digits=' "$T/log/full")" = 1 ]
check "... no SIP channel is left" no_sip_channels

# ---- B: RFC 4733 caller -> INFO callee ----
register_infop() {
	timeout 20 sipp -sf "$S/register_auth_uac.xml" -s infop -au infop -ap info-secret-1 \
		-i 127.0.0.1 -p "$UAS_PORT" -m 1 -nostdin -timeout 10 "$REG" >"$T/sipp.reg.out" 2>&1
}
check "B: the INFO phone registers" register_infop
timeout 40 sipp -sf "$S/uas_info.xml" -i 127.0.0.1 -p "$UAS_PORT" -mi 127.0.0.1 \
	-mp $((PORT_BASE + 40)) -m 1 -nostdin -timeout 30 -timeout_error \
	>"$T/uas.out" 2>&1 &
UAS_PID=$!
sleep 0.3
check "... the RFC 4733 caller's call (310) completes" uac "1 2 3 4 pound" bye 310
check "... the INFO phone got INFO Signal=1, 2, 3, 4, # (each once, in order)" wait "$UAS_PID"
check "... no SIP channel is left" no_sip_channels

# ---- C: RFC 4733 caller -> in-band callee ----
check "C: the RFC 4733 caller's call to tom (320) completes" uac "1 2 3 4 pound" bye 320
check "... tom answered" wait_for calls tom established 2
check "... tom's call ends" wait_for calls tom terminated 2
check "... no SIP channel is left" no_sip_channels
rec=$(newest_rec tom)
[ -n "$rec" ] && sox "$rec" -r 8000 -c 1 -b 16 "$T/tom-c.wav"
heard=$(python3 "$S/dtmf-check.py" "$T/tom-c.wav" 2>&1)
echo "# tom's recording holds: $heard"
check "... tom's recording holds the tone pairs 1234#, each once" [ "$heard" = "1234#" ]

# ---- D: Read(...,t(*),...) ----
check "D: digits 1 2 * to Read(t(*))" uac "1 2 star" wait 340
check "... Read() got 12 ('*' ended it)" read_logged "modes t-option digits=[12] status=OK"
check "D: digits 1 2 # to Read(t())" uac "1 2 pound" wait 341
check "... Read() got 12# ('#' a digit, maxdigits 3 ended it)" \
	read_logged "modes t-none digits=[12#] status=OK"
check "D: '*' alone to Read(t(*))" uac "star" wait 340
check "... Read() says INTERRUPTED with no digits" \
	read_logged "modes t-option digits=[] status=INTERRUPTED"

# ---- E: bad RTP at a plain call's port ----
stats_of() { lyre_cli "rtp show stats" >/dev/null; grep -E " 127\.0\.0\.1:$1 " "$T/cli.last" | head -1; }
check "E: amy dials 330 (tom)" bctl amy dial "sip:330@127.0.0.1:$PORT_BASE"
check "... amy's call is established" wait_for calls amy established 1
check "... tom's call is established" wait_for calls tom established 3
sleep 2
line=$(stats_of "307[0-9][0-9]")
lport=$(echo "$line" | awk '{ split($1, a, ":"); print a[2] }')
bad0=$(echo "$line" | awk '{ print $10 }')
check "... Lyre's RTP port for amy found ($lport)" [ -n "$lport" ]
check "broken RTP sent at Lyre's port $lport" python3 "$S/send-bad.py" "$lport"
sleep 3
line=$(stats_of "307[0-9][0-9]")
echo "# after: $line"
check "... all 50 dropped and counted as BadHdr" [ "$(echo "$line" | awk '{ print $10 }')" = $((bad0 + 50)) ]
check "... amy's packets still come in" [ "$(echo "$line" | awk '{ print $6 }')" -gt 150 ]
check "amy hangs up" bctl amy hangup
check "... tom's call ends" wait_for calls tom terminated 3
check "... no SIP channel is left" no_sip_channels
rec=$(newest_rec tom)
[ -n "$rec" ] && sox "$rec" "$T/tom-e-tail.wav" trim -2.5 2
check "... tom still heard amy's 1000 Hz in the last seconds" \
	"$BARESIP_KIT/tone-check.sh" "$T/tom-e-tail.wav" 1000

for p in tom amy; do
	bctl $p quit
done
for p in tom amy; do
	check "$p exits cleanly" eval "wait \$PID_$p"
done
lyre_stop
