# Record() with real phones (baresip):
#   alice (mu-law) calls 400 and sends 2 s of silence, a 700 Hz tone for
#     2 s, then silence: Record(tone-%d.wav,3,20) ends on the silence
#     (RECORD_STATUS=SILENCE); the file is under spool/monitor, 8 kHz, its
#     loud part is the tone's 2 s, the trailing silence is cut to 0.2 s,
#     and it peaks at 700 Hz.
#   carol (G.722) does the same: the WAV is 16 kHz; %d gave a new name.
#   alice calls 401: maxduration 2 s ends a quiet raw mu-law recording in a
#     new folder (TIMEOUT, about 16000 bytes).
#   alice calls 402: '..' and an absolute path outside the spool are
#     refused (ERROR, a warning each), nothing is written.
#   No temporary file is left behind.
need_tool baresip
need_tool sox
need_tool python3
lyre_system
lyre_start || exit 1
source "$SRC_TOP/tests/integration/baresip.sh"
S=$TEST_DIR
MON=$T/spool/monitor

mkdir -p "$T/audio"
# 2 s of silence (the answer and the beep happen in it), 2 s of 700 Hz, silence.
for r in 8000 16000; do
	sox -n -r $r -c 1 -b 16 "$T/audio/lead$r.wav" trim 0 2
	sox -n -r $r -c 1 -b 16 "$T/audio/tone$r.wav" synth 2 sine 700 vol 0.5
	sox -n -r $r -c 1 -b 16 "$T/audio/quiet$r.wav" trim 0 60
done
sox "$T/audio/lead8000.wav" "$T/audio/tone8000.wav" "$T/audio/quiet8000.wav" "$T/audio/alice.wav"
sox "$T/audio/lead16000.wav" "$T/audio/tone16000.wav" "$T/audio/quiet16000.wav" "$T/audio/carol.wav"

# tone FILE RATE: the recording is RATE Hz, its loud part the tone's 2 s
# (+/- 0.2), at most 2.4 s besides it (what was left of the lead silence
# and the 0.2 s kept of the final silence), peaking at 700 Hz (+/- 20).
tone() {
	local a; a=$(python3 "$S/analyse.py" "$1") || return 1
	set -- "$1" "$2" $a
	log "$1: $(soxi -r "$1") Hz, duration ${3} ms, loud ${4} ms, peak ${5} Hz"
	[ "$(soxi -r "$1")" = "$2" ] && [ "$4" -ge 1800 ] && [ "$4" -le 2200 ] &&
		[ $(($3 - $4)) -le 2400 ] && [ "$5" -ge 680 ] && [ "$5" -le 720 ]
}

baresip_phone alice 0 "$(baresip_account alice alice-secret-1 pcmu)"
baresip_phone carol 2 "$(baresip_account carol carol-secret-3 g722)"
for p in alice carol; do
	check "$p registers" wait_for registered $p
done

check "alice (mu-law) dials 400 and sends 2 s of 700 Hz" bctl alice dial "sip:400@127.0.0.1:$PORT_BASE"
WAIT_S=20 check "... the silence ends the recording: SILENCE" wait_for logged "record 400: SILENCE $MON/tone-0\$"
check "... Lyre hangs up" wait_for ended alice 1
check "... the beep played first" logged "playing '.*/en/beep.wav'"
check "... tone-0.wav is 8 kHz, about the tone's length, 700 Hz" tone "$MON/tone-0.wav" 8000

check "carol (G.722) dials 400" bctl carol dial "sip:400@127.0.0.1:$PORT_BASE"
WAIT_S=20 check "... SILENCE, and %d gave the next number" wait_for logged "record 400: SILENCE $MON/tone-1\$"
check "... tone-1.wav is 16 kHz (wideband), the tone's length, 700 Hz" tone "$MON/tone-1.wav" 16000

check "alice dials 401 (maxduration 2 s, quiet, mu-law)" bctl alice dial "sip:401@127.0.0.1:$PORT_BASE"
check "... TIMEOUT" wait_for logged "record 401: TIMEOUT $MON/sub/max\$"
size=$(stat -c %s "$MON/sub/max.ulaw" 2>/dev/null || echo 0)
log "max.ulaw: $size bytes"
check "... 2 s of mu-law (15000-17000 bytes)" eval '[ "$size" -ge 15000 ] && [ "$size" -le 17000 ]'
check "... no beep (option q)" [ "$(grep -c "playing '.*/en/beep\." "$T/log/full")" -eq 2 ]

check "alice dials 402 (names that leave the spool folder)" bctl alice dial "sip:402@127.0.0.1:$PORT_BASE"
check "... '..' is refused: ERROR" wait_for logged "record 402a: ERROR"
check "... an absolute path outside the spool: ERROR" wait_for logged "record 402b: ERROR"
check "... with a warning" logged "WARNING.*'/tmp/escape.wav': refused"
check "... nothing written" eval '[ ! -e "$T/spool/escape.wav" ] && [ ! -e /tmp/escape.wav ]'
check "no temporary file is left" eval '[ -z "$(find "$T/spool" -name ".*" -type f)" ]'

for p in alice carol; do
	bctl $p quit
done
for p in alice carol; do
	check "$p exits cleanly" eval "wait \$PID_$p"
done
lyre_stop
