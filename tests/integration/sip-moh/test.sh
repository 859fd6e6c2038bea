# Music on hold, tones and hold with real phones (baresip, mu-law):
#   alice calls 400: MusicOnHold(,5) - her recording holds music (RMS well
#     above silence) and the channel's class is "default".
#   alice calls 401: PlayTones(440) - her recording peaks at 440 Hz.
#   alice calls 403: TONEZONE=de, PlayTones(busy) - 425 Hz from indications.conf.
#   alice calls 402: Dial(Local/late@callee,20,m(sorted)) - the callee
#     answers after 3 s: music in the first seconds, silence after answer.
#   alice calls 410 (bob answers) and puts bob on hold (ctrl_tcp "hold"):
#     bob hears music while held; after resume the music stops.
need_tool baresip
need_tool sox
need_tool python3
lyre_system
lyre_start || exit 1
source "$SRC_TOP/tests/integration/baresip.sh"
# the XML documentation (not the registration's one-line description)
check "PlayTones is documented" cli_has "core show application PlayTones" "TONEZONE when set"
check "StopPlayTones is documented" cli_has "core show application StopPlayTones" "Stops the tone list"
check "MusicOnHold is documented" cli_has "core show application MusicOnHold" "Seconds to play"
check "StartMusicOnHold is documented" cli_has "core show application StartMusicOnHold" "RTP media worker"
check "StopMusicOnHold is documented" cli_has "core show application StopMusicOnHold" "StartMusicOnHold"
S=$TEST_DIR

mkdir -p "$T/audio"
sox -n -r 8000 -c 1 -b 16 "$T/audio/silence.wav" trim 0 60

# loud NAME START LEN: that stretch of the newest recording has energy.
loud() {
	local f r; f=$(newest_rec "$1")
	[ -n "$f" ] || return 1
	r=$(rms "$f" "$2" "$3")
	log "$1 heard: rms($2 s +$3 s) = $r"
	awk -v r="$r" 'BEGIN{ exit !(r > 0.02) }'
}
quiet() {
	local f r; f=$(newest_rec "$1")
	[ -n "$f" ] || return 1
	r=$(rms "$f" "$2" "$3")
	log "$1 heard: rms($2 s +$3 s) = $r"
	awk -v r="$r" 'BEGIN{ exit !(r < 0.002) }'
}
tone() {
	local f; f=$(newest_rec "$1")
	[ -n "$f" ] || return 1
	sox "$f" "$T/tone-cut.wav" trim 0.5 2.5 && "$BARESIP_KIT/tone-check.sh" "$T/tone-cut.wav" "$2" >>"$T/tones.out" 2>&1
}

baresip_phone alice 0 "$(baresip_account alice alice-secret-1 pcmu)" silence.wav
baresip_phone bob 4 "$(baresip_account bob bob-secret-2 pcmu)" silence.wav
for p in alice bob; do
	check "$p registers" wait_for registered $p
done
check "moh show classes lists default and sorted" cli_has "moh show classes" "Class: sorted"
check "indication show de has busy=425/480" cli_has "indication show de" "busy +425/480"

check "alice dials 400 (MusicOnHold for 5 s)" bctl alice dial "sip:400@127.0.0.1:$PORT_BASE"
check "... Lyre hangs up after it" wait_for ended alice 1
check "... the channel's class is default" logged "moh 400 class: default"
check "... alice heard music (RMS > 0.02 in 1-4 s)" loud alice 1 3

check "alice dials 401 (PlayTones(440))" bctl alice dial "sip:401@127.0.0.1:$PORT_BASE"
check "... Lyre hangs up" wait_for ended alice 2
check "... alice's recording peaks at 440 Hz" tone alice 440

check "alice dials 403 (zone de, busy)" bctl alice dial "sip:403@127.0.0.1:$PORT_BASE"
check "... Lyre hangs up" wait_for ended alice 3
check "... alice's recording peaks at 425 Hz" tone alice 425

check "alice dials 402 (Dial m, answered after 3 s)" bctl alice dial "sip:402@127.0.0.1:$PORT_BASE"
check "... the call ends" wait_for ended alice 4
check "... music of class sorted started" logged "Started music on hold, class 'sorted'"
check "... alice heard music while it rang (0.5-2.5 s)" loud alice 0.5 2
check "... and silence once answered (4-5.5 s)" quiet alice 4 1.5

check "alice dials 410 (bob answers)" bctl alice dial "sip:410@127.0.0.1:$PORT_BASE"
sleep 2
check "alice puts bob on hold" bctl alice hold
check "... Lyre sees the hold" wait_for logged "remote HOLD"
sleep 4
check "alice resumes" bctl alice resume
sleep 2
bctl alice hangup
check "... the call ends" wait_for ended bob 1
# The held stretch of bob's recording, from the daemon's log: seconds
# from the bridge start (bob's answer) to HOLD and to UNHOLD.
secs() { grep -E "$1" "$T/log/full" | tail -1 | sed -E 's/^\[[0-9-]+ ([0-9:.]+)\].*/\1/' |
	 awk -F: '{ printf "%.3f", $1 * 3600 + $2 * 60 + $3 }'; }
t0=$(secs "Bridging 'SIP/alice.*SIP/bob"); t1=$(secs "remote HOLD"); t2=$(secs "remote UNHOLD")
held_from=$(awk -v a="$t0" -v b="$t1" 'BEGIN{ printf "%.2f", b - a + 0.5 }')
held_len=$(awk -v a="$t1" -v b="$t2" 'BEGIN{ printf "%.2f", b - a - 1 }')
log "bob was held from $held_from s for $held_len s (+0.5 s margin each side)"
check "... bob heard silence before the hold (0.5-1.5 s)" quiet bob 0.5 1
check "... bob heard music while held" loud bob "$held_from" "$held_len"

for p in alice bob; do
	check "$p is told to quit" bctl $p quit
done
for p in alice bob; do
	check "$p exits cleanly" eval "wait \$PID_$p"
done
lyre_stop
