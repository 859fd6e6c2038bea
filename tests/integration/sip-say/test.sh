# Say applications, Milliwatt, Echo and ControlPlayback with real phones (baresip, mu-law):
#   alice calls 400: SayNumber(42) plays digits/40 then digits/2 and her
#     recording holds speech energy; SayDigits and SayAlpha play their
#     prompts (star, pound, dot, letters).
#   alice calls 401: Milliwatt; her recording is a 1004 Hz tone (tone-check
#     band ratio) at about 0 dBm0 (RMS of a 0 dBm0 sine: 0.49 of full scale).
#   tom (sending a 1000 Hz tone) calls 402: Echo; his recording is that tone.
#   alice calls 403: ControlPlayback(hello-world) plays to the end:
#     CPLAYBACKSTATUS=SUCCESS, CPLAYBACKOFFSET=-1.
need_tool baresip
need_tool sox
need_tool python3
lyre_system
lyre_start || exit 1
source "$SRC_TOP/tests/integration/baresip.sh"
S=$TEST_DIR

mkdir -p "$T/audio"
sox -n -r 8000 -c 1 -b 16 "$T/audio/alice.wav" trim 0 60
sox -n -r 8000 -c 1 -b 16 "$T/audio/tom.wav" synth 60 sine 1000 vol 0.3

speech() {
	local f r; f=$(newest_rec "$1")
	[ -n "$f" ] || return 1
	r=$(rms "$f" 0.2 0.8)
	log "$1 heard: rms(0.2-1.0 s) = $r"
	awk -v r="$r" 'BEGIN{ exit !(r > 0.02) }'
}
# tone NAME HZ: the newest recording (after its first second) is mostly HZ.
tone() {
	local f; f=$(newest_rec "$1")
	[ -n "$f" ] || return 1
	sox "$f" "$T/$1-tail.wav" trim 1 1.5
	log "$("$BARESIP_KIT/tone-check.sh" "$T/$1-tail.wav" "$2")"
	"$BARESIP_KIT/tone-check.sh" "$T/$1-tail.wav" "$2" >/dev/null
}
# level NAME LO HI: RMS of the newest recording's 1-2.5 s stretch in [LO, HI].
level() {
	local r; r=$(rms "$(newest_rec "$1")" 1 1.5)
	log "$1 heard: rms(1-2.5 s) = $r"
	awk -v r="$r" -v lo="$2" -v hi="$3" 'BEGIN{ exit !(r >= lo && r <= hi) }'
}

baresip_phone alice 0 "$(baresip_account alice alice-secret-1 pcmu)"
baresip_phone tom 3 "$(baresip_account tom tom-secret-2 pcmu)"
for p in alice tom; do
	check "$p registers" wait_for registered $p
done

check "alice dials 400 (SayNumber(42), SayDigits, SayAlpha)" bctl alice dial "sip:400@127.0.0.1:$PORT_BASE"
check "... Lyre hangs up after saying" wait_for ended alice 1
check "... the dialplan went on" logged "say 400 done"
check "... forty, then two" logged "playing '.*/en/digits/40\.wav'"
check "... ... two" logged "playing '.*/en/digits/2\.wav'"
check "... SayDigits: star and pound" logged "playing '.*/en/digits/pound\.wav'"
check "... SayAlpha: dot and z" logged "playing '.*/en/letters/z\.wav'"
check "... alice heard speech (RMS > 0.02)" speech alice

check "alice dials 401 (Milliwatt)" bctl alice dial "sip:401@127.0.0.1:$PORT_BASE"
check "... the call is up" wait_for established alice 2
sleep 3
check "alice hangs up" bctl alice hangup
check "... the call ends" wait_for ended alice 2
check "... she heard 1004 Hz (band ratio >= 0.7)" tone alice 1004
check "... at 0 dBm0 (RMS 0.45-0.52 of full scale)" level alice 0.45 0.52

check "tom dials 402 (Echo) sending 1000 Hz" bctl tom dial "sip:402@127.0.0.1:$PORT_BASE"
check "... the call is up" wait_for established tom 1
sleep 3
check "tom hangs up" bctl tom hangup
check "... the call ends" wait_for ended tom 1
check "... his tone came back (1000 Hz, band ratio >= 0.7)" tone tom 1000
check "... at about the level he sent (RMS > 0.1)" level tom 0.1 0.5

check "alice dials 403 (ControlPlayback)" bctl alice dial "sip:403@127.0.0.1:$PORT_BASE"
check "... Lyre hangs up after the prompt" wait_for ended alice 3
check "... SUCCESS, offset -1, no stop key" logged "cplayback 403: SUCCESS -1 ''"

for p in alice tom; do
	bctl $p quit
done
for p in alice tom; do
	check "$p exits cleanly" eval "wait \$PID_$p"
done
lyre_stop
