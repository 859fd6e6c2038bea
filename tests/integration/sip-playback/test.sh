# Playback and Background with real phones (baresip):
#   alice (mu-law) and carol (G.722) call 300: Playback(hello-world).  Each
#     recording holds speech energy (RMS well above silence) for the
#     prompt's length; PLAYBACKSTATUS=SUCCESS.  carol gets the .g722 file
#     as it is (the cheapest format), alice the .wav through slin -> ulaw.
#   alice calls 301: missing and refused names give PLAYBACKSTATUS=FAILED
#     with a warning each, the call goes on, and her recording is silence
#     (the contrast that proves the first check measures the prompt).
#   tom (mu-law, in-band DTMF) calls 302: Background(office-welcome), and
#     presses 2 after 1.5 s: the call lands at extension 2 long before the
#     11 s greeting would have ended.
#   tom calls 303: Read(DIGITS,office-welcome,1): the prompt plays and his
#     2 during it stops it and is read: DIGITS=2, READSTATUS=OK.
need_tool baresip
need_tool sox
need_tool python3
lyre_system
lyre_start || exit 1
source "$SRC_TOP/tests/integration/baresip.sh"
S=$TEST_DIR

# ---- audio the phones send: silence; tom's carries a DTMF 2 at 1.5 s ----
mkdir -p "$T/audio"
sox -n -r 8000 -c 1 -b 16 "$T/audio/alice.wav" trim 0 60
sox -n -r 16000 -c 1 -b 16 "$T/audio/carol.wav" trim 0 60
sox -n -r 8000 -c 1 -b 16 "$T/audio/lead.wav" trim 0 1.5
sox -n -r 8000 -c 1 -b 16 "$T/audio/d2.wav" synth 0.12 sine 697 sine 1336 remix - vol 0.4
sox "$T/audio/lead.wav" "$T/audio/d2.wav" "$T/audio/alice.wav" "$T/audio/tom.wav"

# rms FILE START LEN: RMS amplitude (0..1) of that stretch of the recording.
# speech NAME: the newest recording has speech energy through the prompt.
speech() {
	local f r; f=$(newest_rec "$1")
	[ -n "$f" ] || return 1
	r=$(rms "$f" 0.2 0.8)
	log "$1 heard: rms(0.2-1.0 s) = $r"
	awk -v r="$r" 'BEGIN{ exit !(r > 0.02) }'
}
silence() {
	local f r; f=$(newest_rec "$1")
	[ -n "$f" ] || return 1
	r=$(rms "$f" 0 1.5)
	log "$1 heard: rms(0-1.5 s) = $r"
	awk -v r="$r" 'BEGIN{ exit !(r < 0.002) }'
}

baresip_phone alice 0 "$(baresip_account alice alice-secret-1 pcmu)"
baresip_phone carol 2 "$(baresip_account carol carol-secret-3 g722)"
baresip_phone tom 3 "$(baresip_account tom tom-secret-2 pcmu)"
for p in alice carol tom; do
	check "$p registers" wait_for registered $p
done

check "alice (mu-law) dials 300" bctl alice dial "sip:300@127.0.0.1:$PORT_BASE"
check "... Lyre hangs up after the prompt" wait_for ended alice 1
check "... PLAYBACKSTATUS=SUCCESS" logged "playback 300 status: SUCCESS"
check "... the .wav was chosen for mu-law" logged "playing '.*/en/hello-world.wav' \(slin\)"
check "... alice heard speech (RMS > 0.02)" speech alice

check "carol (G.722) dials 300" bctl carol dial "sip:300@127.0.0.1:$PORT_BASE"
check "... Lyre hangs up after the prompt" wait_for ended carol 1
check "... the .g722 file was chosen for G.722" logged "playing '.*/en/hello-world.g722' \(g722\)"
check "... carol heard speech (RMS > 0.02)" speech carol

check "alice dials 301 (missing and refused files)" bctl alice dial "sip:301@127.0.0.1:$PORT_BASE"
check "... the call goes on and ends" wait_for ended alice 2
check "... PLAYBACKSTATUS=FAILED" logged "playback 301 status: FAILED"
check "... a missing file is a warning" logged "WARNING.*cannot play 'no-such-prompt'"
check "... '../' is refused" logged "WARNING.*'\.\./\.\./\.\./etc/passwd' refused"
check "... an absolute path outside the sounds is refused" logged "WARNING.*'/etc/passwd' refused"
check "... alice heard silence (RMS < 0.002)" silence alice

start=$(date +%s)
check "tom dials 302 and presses 2 during the greeting" bctl tom dial "sip:302@127.0.0.1:$PORT_BASE"
check "... the call lands at extension 2" wait_for logged "background landed at 2 \(SUCCESS\)"
check "... within 6 s, so the digit cut the 11 s greeting short" [ $(( $(date +%s) - start )) -le 6 ]
check "... not at 'i', not after the greeting" eval '! logged "background invalid|without a digit"'
check "... Lyre hangs up after the beep" wait_for ended tom 1

start=$(date +%s)
check "tom dials 303 (Read with a prompt) and presses 2 during it" \
	bctl tom dial "sip:303@127.0.0.1:$PORT_BASE"
check "... Read got 2 from the prompt's interruption" wait_for logged "read 303: '2' OK"
check "... within 6 s, so the digit cut the 11 s prompt short" [ $(( $(date +%s) - start )) -le 6 ]
check "... Read played the prompt" [ "$(grep -c "playing .*/en/office-welcome.wav" "$T/log/full")" -ge 2 ]
check "... Lyre hangs up" wait_for ended tom 2

for p in alice carol tom; do
	bctl $p quit
done
for p in alice carol tom; do
	check "$p exits cleanly" eval "wait \$PID_$p"
done
lyre_stop
