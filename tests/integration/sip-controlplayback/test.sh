# ControlPlayback with real RFC 4733 digits from sipp (the pcaps sipp ships):
#   500: only the stop key 4: USERSTOPPED, CPLAYBACKSTOPKEY=4 and
#        CPLAYBACKOFFSET = where it was (the time since the prompt began).
#   501: 1 (skip 3 s) then 4: the offset is about 3 s beyond 500's.
#   502: 1, 2 (back 3 s), then 4: the offset is back near 500's (plus the
#        time the extra digit took), well short of 501's.
#   510: a short prompt, no key: SUCCESS, offset -1, no stop key.
#   511: a missing prompt: ERROR, with a warning; the call goes on.
# Every call starts its digits at the same moment after the answer (the
# shared scenario: 1 s of audio, 1.5 s pause), so the offsets compare.
# (sipp's pcaps carry fixed RTP timestamps in the order 1 2 3 4 * #; a pcap
# played after a later one is an old event, so the keys are 1, 2 and 4.)
need_tool sipp
need_tool python3
[ -r /usr/share/sip-tester/dtmf_2833_1.pcap ] || { echo "1..0 # SKIP no sipp pcaps"; exit 0; }
lyre_system
lyre_start || exit 1

UAC_PORT=$((PORT_BASE + 20))
REG=127.0.0.1:$PORT_BASE
S=$TEST_DIR
M=$TEST_DIR/../sip-dtmf-modes

# uac EXTEN DIGITS: one RFC 4733 call; Lyre ends it (its BYE).
uac() {
	local play="" d scen=$T/uac-$1.xml
	for d in $2; do
		[ -n "$play" ] && play+="  <pause milliseconds=\"300\"/>
"
		play+="  <nop><action><exec play_pcap_audio=\"/usr/share/sip-tester/dtmf_2833_$d.pcap\"/></action></nop>
"
	done
	python3 - "$M/uac_4733.xml.in" "$M/uac_end_wait.xml.part" "$2" "$play" >"$scen" <<'PY'
import sys
t = open(sys.argv[1]).read()
print(t.replace("@PLAY@", sys.argv[4]).replace("@END@", open(sys.argv[2]).read())
       .replace("@DIGITS@", sys.argv[3]), end="")
PY
	timeout 60 sipp -sf "$scen" -s "$1" -i 127.0.0.1 -p "$UAC_PORT" -mi 127.0.0.1 \
		-mp $((PORT_BASE + 50)) -m 1 -nostdin -timeout 40 -timeout_error "$REG" \
		>>"$T/uac.out" 2>&1
}
# result EXTEN FIELD: a field of that call's "cplay" line
result() {
	grep -o "cplay $1 .*" "$T/log/full" | tail -1 | sed -n "s/.*$2=\([^ ]*\).*/\1/p"
}
offset() { result "$1" offset; }
near() { awk -v a="$1" -v b="$2" -v lo="$3" -v hi="$4" 'BEGIN { d = a - b; exit !(a >= 0 && b >= 0 && d >= lo && d <= hi) }'; }

check "500 (stop key only) completes" uac 500 "4"
check "... USERSTOPPED" [ "$(result 500 status)" = USERSTOPPED ]
check "... by key 4" [ "$(result 500 key)" = "[4]" ]
o500=$(offset 500)
log "500 stopped at ${o500:-?} ms"
# the digit comes 2.5 s after the answer: the prompt has played about that long
check "... at its position (1.5 to 6 s into the prompt)" near "${o500:--1}" 0 1500 6000

check "501 (skip, stop) completes" uac 501 "1 4"
check "... USERSTOPPED by 4" [ "$(result 501 status) $(result 501 key)" = "USERSTOPPED [4]" ]
o501=$(offset 501)
log "501 stopped at ${o501:-?} ms"
check "... about 3 s further than 500 (the skip)" near "${o501:--1}" "${o500:--1}" 2500 4600

check "502 (skip, rewind, stop) completes" uac 502 "1 2 4"
check "... USERSTOPPED by 4" [ "$(result 502 status) $(result 502 key)" = "USERSTOPPED [4]" ]
o502=$(offset 502)
log "502 stopped at ${o502:-?} ms"
check "... back near 500's position (the rewind undid the skip)" near "${o502:--1}" "${o500:--1}" -300 1800
check "... well short of 501's" near "${o501:--1}" "${o502:--1}" 1500 4000

check "510 (short prompt, no key) completes" uac 510 ""
check "... SUCCESS, offset -1, no stop key" \
	[ "$(result 510 status) $(result 510 offset) $(result 510 key)" = "SUCCESS -1 []" ]

check "511 (missing prompt) completes" uac 511 ""
check "... ERROR" [ "$(result 511 status)" = ERROR ]
check "... with a warning naming it" grep -q "no-such-prompt" "$T/log/full"
check "no channel is left" wait_for cli_lacks "core show channels" "SIP/"
