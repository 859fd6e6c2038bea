# Codec pairs through Lyre with real phones: four baresip phones each
# allowed one codec (mu-law, A-law, G.722, Opus) call each other, every
# call needs a translation path in the core, and each side's recording must
# hold the other side's tone:
#   alice (ulaw, 1000 Hz) -> bob   (alaw, 440 Hz)
#   carol (g722, 700 Hz)  -> alice (ulaw)
#   dave  (opus, 600 Hz)  -> alice (ulaw)
#   dave  (opus)          -> the "itsp" trunk (ulaw, 880 Hz), a fifth baresip
need_tool baresip
need_tool sox
need_tool python3
lyre_system
lyre_start || exit 1
source "$SRC_TOP/tests/integration/baresip.sh"
S=$TEST_DIR

# Tones, 60 s each, at the rate of the phone's codec (baresip's aufile
# source does not resample; Opus is opus/48000/2 in baresip, so stereo).
mkdir -p "$T/audio"
sox -n -r 8000 -c 1 -b 16 "$T/audio/alice.wav" synth 60 sine 1000 vol 0.5
sox -n -r 8000 -c 1 -b 16 "$T/audio/bob.wav" synth 60 sine 440 vol 0.5
sox -n -r 16000 -c 1 -b 16 "$T/audio/carol.wav" synth 60 sine 700 vol 0.5
sox -n -r 48000 -c 2 -b 16 "$T/audio/dave.wav" synth 60 sine 600 vol 0.5
sox -n -r 8000 -c 1 -b 16 "$T/audio/itsp.wav" synth 60 sine 880 vol 0.5

answered() { wait_for [ "$(grep -c "codecs dialstatus: ANSWER" "$T/log/full")" -ge "$1" ]; }

baresip_phone alice 0 "$(baresip_account alice alice-secret-1 pcmu)" alice.wav 90
baresip_phone bob 1 "$(baresip_account bob bob-secret-2 pcma)" bob.wav 90
baresip_phone carol 2 "$(baresip_account carol carol-secret-3 g722)" carol.wav 90
baresip_phone dave 3 "$(baresip_account dave dave-secret-4 opus)" dave.wav 90
baresip_phone itsp 4 "<sip:5551234@127.0.0.1:$((25080 + 10 * 4))>;regint=0;answermode=auto;audio_codecs=pcmu" itsp.wav 90
for p in alice bob carol dave; do
	check "$p registers" wait_for registered $p
done

# call FROM TO EXT NF NT N FMT_FROM FMT_TO: FROM calls EXT, both sides up,
# each leg in its phone's format (sip show channels), 4 s of audio, FROM
# hangs up; NF, NT and N count FROM's, TO's and Dial's calls so far.
call() {
	local from=$1 to=$2 ext=$3 nf=$4 nt=$5 n=$6
	check "$from dials $ext ($to)" bctl "$from" dial "sip:$ext@127.0.0.1:$PORT_BASE"
	check "... $from's call is established" wait_for calls "$from" established "$nf"
	check "... $to's call is established" wait_for calls "$to" established "$nt"
	check "... $from's leg speaks $7" cli_has "sip show channels" "$from.* $7 "
	check "... $to's leg speaks $8" cli_has "sip show channels" "${9:-$to}.* $8 "
	sleep 4
	check "... $from hangs up" bctl "$from" hangup
	check "... $to's call ends" wait_for calls "$to" terminated "$nt"
	check "... no SIP channel is left" no_sip_channels
	check "... Dial said ANSWER" answered "$n"
}

call alice bob 202 1 1 1 ulaw alaw
check "... alice (mu-law) heard bob's 440 Hz" heard alice 440
check "... bob (A-law) heard alice's 1000 Hz" heard bob 1000

call carol alice 201 1 2 2 g722 ulaw
check "... alice (mu-law) heard carol's 700 Hz (G.722)" heard alice 700
check "... carol (G.722) heard alice's 1000 Hz" heard carol 1000

call dave alice 201 1 3 3 opus ulaw
check "... alice (mu-law) heard dave's 600 Hz (Opus)" heard alice 600
check "... dave (Opus) heard alice's 1000 Hz" heard dave 1000

call dave itsp 95551234 2 1 4 opus ulaw itsp
check "... the trunk (mu-law) heard dave's 600 Hz (Opus)" heard itsp 600
check "... dave (Opus) heard the trunk's 880 Hz" heard dave 880

for p in alice bob carol dave itsp; do
	bctl $p quit
done
for p in alice bob carol dave itsp; do
	check "$p exits cleanly" eval "wait \$PID_$p"
done
lyre_stop
