# Music on hold and tones on channels without an RTP session (Local), as
# Asterisk plays a generator from the thread that reads the channel.  The
# ;1 half of each originated Local channel runs Record() (no beep, 3 s)
# and so hears what the ;2 half's dialplan plays:
#   moh:   MusicOnHold(,3) - the recording holds music, not silence;
#   tones: PlayTones(440), Wait(3) - the recording peaks at 440 Hz;
#   bg:    StartMusicOnHold(), Wait(1.5), StopMusicOnHold(), Wait(2) -
#          music in the first second, silence after the stop;
#   none:  MusicOnHold(nosuchclass,1) - a warning, the dialplan goes on;
#   prompt: StartMusicOnHold(), Wait(1), Playback of four beeps (974 Hz,
#          1 s), Wait(1.5) - the beeps are heard alone, and the music does
#          not come back after them (a prompt ends the background audio).
# No channel is left, the timer's frames stop with the generator (the
# daemon's log has no error), and nothing leaks (ASan).
need_tool sox
lyre_system
cat >>"$ETC/extensions.conf" <<'CONF'

[mohtest]
exten => moh,1,Answer()
 same => n,MusicOnHold(,3)
 same => n,Hangup()
exten => tones,1,Answer()
 same => n,PlayTones(440)
 same => n,Wait(3)
 same => n,StopPlayTones()
 same => n,Hangup()
exten => bg,1,Answer()
 same => n,StartMusicOnHold()
 same => n,Wait(1.5)
 same => n,StopMusicOnHold()
 same => n,Wait(2)
 same => n,Hangup()
exten => prompt,1,Answer()
 same => n,StartMusicOnHold()
 same => n,Wait(1)
 same => n,Playback(beep&beep&beep&beep)
 same => n,Wait(1.5)
 same => n,Hangup()
exten => none,1,Answer()
 same => n,MusicOnHold(nosuchclass,1)
 same => n,Verbose(1,mohtest none: went on)
 same => n,Hangup()
CONF
lyre_start || exit 1
MON=$T/spool/monitor
KIT=$SRC_TOP/tests/integration/sip-baresip

logged() { grep -qE -- "$1" "$T/log/full" 2>/dev/null; }
record() { lyre_cli "channel originate Local/$1@mohtest application Record local-$1.wav,0,${2:-3},q"; }
saved() { [ -s "$MON/local-$1.wav" ] && cli_lacks "core show channels" "Local/"; }
rms() { sox "$1" -n trim "$2" "$3" stat 2>&1 | awk '/RMS     amplitude/{print $3}'; }
# level FILE START LEN OP LIMIT: that stretch's RMS compared with LIMIT.
level() {
	local r; r=$(rms "$1" "$2" "$3")
	log "$(basename "$1") rms($2 s +$3 s) = $r"
	awk -v r="$r" -v op="$4" -v l="$5" 'BEGIN{ exit !(op == ">" ? r > l : r < l) }'
}

check "MusicOnHold on a Local channel" record moh
check "... the recording is saved" wait_for saved moh
check "... it holds music (RMS > 0.02 over 2 s)" level "$MON/local-moh.wav" 0.5 2 ">" 0.02

check "PlayTones(440) on a Local channel" record tones
check "... the recording is saved" wait_for saved tones
check "... it peaks at 440 Hz" "$KIT/tone-check.sh" "$MON/local-tones.wav" 440

check "StartMusicOnHold, then StopMusicOnHold, while Wait() reads the channel" record bg
check "... the recording is saved" wait_for saved bg
check "... music while it was started" level "$MON/local-bg.wav" 0.2 1 ">" 0.02
check "... silence after the stop" level "$MON/local-bg.wav" 1.9 1 "<" 0.002

check "a prompt while StartMusicOnHold's music plays" record prompt 4
check "... the recording is saved" wait_for saved prompt
check "... music before the prompt" level "$MON/local-prompt.wav" 0.2 0.6 ">" 0.02
sox "$MON/local-prompt.wav" "$T/prompt-beeps.wav" trim 1.15 0.7
# beep.wav itself reads 0.68 (its harmonics); music mixed in reads far less
check "... the beeps alone during it (974 Hz)" "$KIT/tone-check.sh" "$T/prompt-beeps.wav" 974 0.6
check "... and no music after it" level "$MON/local-prompt.wav" 2.4 1 "<" 0.002

check "an unknown class on a Local channel" record none
check "... is logged" wait_for logged "no music on hold class 'nosuchclass'"
check "... and the dialplan goes on" wait_for logged "mohtest none: went on"
check "no channel is left" wait_for cli_lacks "core show channels" "Local/"
