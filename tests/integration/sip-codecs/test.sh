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
S=$TEST_DIR
BARESIP=$TEST_DIR/../sip-baresip

# Tones, 60 s each, at the rate of the phone's codec (baresip's aufile
# source does not resample; Opus is opus/48000/2 in baresip, so stereo).
mkdir -p "$T/audio"
sox -n -r 8000 -c 1 -b 16 "$T/audio/alice.wav" synth 60 sine 1000 vol 0.5
sox -n -r 8000 -c 1 -b 16 "$T/audio/bob.wav" synth 60 sine 440 vol 0.5
sox -n -r 16000 -c 1 -b 16 "$T/audio/carol.wav" synth 60 sine 700 vol 0.5
sox -n -r 48000 -c 2 -b 16 "$T/audio/dave.wav" synth 60 sine 600 vol 0.5
sox -n -r 8000 -c 1 -b 16 "$T/audio/itsp.wav" synth 60 sine 880 vol 0.5

# phone NAME N SECRET CODEC: phone N's ports are 25080+10N (SIP),
# 30000+100N (RTP), 25555+40N (console), 25454+40N (control).
phone() {
	local name=$1 n=$2 dir=$T/$1
	mkdir -p "$dir/rec"
	sed -e "s|@AUDIO@|$T/audio|g; s|@OUT@|$dir|g; s|@TONE@|$name.wav|; s|@SIP@|$((25080 + 10 * n))|" \
	    -e "s|@RTP@|$((30000 + 100 * n))-$((30099 + 100 * n))|; s|@CONS@|$((25555 + 40 * n))|; s|@CTRL@|$((25454 + 40 * n))|" \
	    "$S/baresip.config" >"$dir/config"
	if [ "$3" = - ]; then	# the provider: no registration; its user is the number called
		echo "<sip:5551234@127.0.0.1:$((25080 + 10 * n))>;regint=0;answermode=auto;audio_codecs=$4" >"$dir/accounts"
	else
		echo "<sip:$name@127.0.0.1:$PORT_BASE>;auth_pass=$3;regint=60;answermode=auto;audio_codecs=$4" >"$dir/accounts"
	fi
	baresip -f "$dir" -t 90 </dev/null >"$T/$name.log" 2>&1 &
	eval "PID_$name=\$!"
}
ctl_port() { case $1 in alice) echo 25454 ;; bob) echo 25494 ;; carol) echo 25534 ;; dave) echo 25574 ;; itsp) echo 25614 ;; esac; }
bctl() { python3 "$BARESIP/bctl.py" "$(ctl_port "$1")" "${@:2}" >>"$T/bctl.out" 2>&1; }
registered() { cli_has "sip show contacts" "$1.*127\.0\.0\.1:"; }
calls() {
	local re='Call established: '
	[ "$2" = terminated ] && re='Call with .* terminated'
	[ "$(grep -cE "$re" "$T/$1.log")" -ge "$3" ]
}
newest_rec() { ls -t "$T/$1"/rec/*-dec.wav 2>/dev/null | head -1; }
heard() {
	local f; f=$(newest_rec "$1")
	[ -n "$f" ] && "$BARESIP/tone-check.sh" "$f" "$2" >>"$T/tones.out" 2>&1
}
no_sip_channels() { wait_for cli_lacks "core show channels" "SIP/"; }
answered() { wait_for [ "$(grep -c "codecs dialstatus: ANSWER" "$T/log/full")" -ge "$1" ]; }

phone alice 0 alice-secret-1 pcmu
phone bob 1 bob-secret-2 pcma
phone carol 2 carol-secret-3 g722
phone dave 3 dave-secret-4 opus
phone itsp 4 - pcmu
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
