# tests/integration/baresip.sh - baresip phones for the integration tests:
# start one, drive it over its control port, read its log and recordings.
#
#   source "$SRC_TOP/tests/integration/baresip.sh"
#   baresip_phone alice 0 "$(baresip_account alice "$SECRET" pcmu)" alice.wav
#   wait_for registered alice
#   bctl alice dial 200          # ctrl_tcp command, see sip-baresip/bctl.py
#   wait_for calls alice established 1
#   check "alice heard 440 Hz" heard alice 440
#
# Phone number N (0, 1, ...) listens inside the test's namespace on SIP
# 25080+10N, RTP 30000+100N..+99, console 25555+40N and control 25454+40N;
# the control port is remembered by name, so bctl takes the phone's name.
# Audio sources are read from $T/audio; recordings land in $T/NAME/rec.
# Tests whose phones need their own config templates (TLS, SRTP, RTCP-mux)
# start baresip themselves and call bctl with a port number instead.

BARESIP_KIT=$SRC_TOP/tests/integration/sip-baresip	# bctl.py, tone-check.sh
BARESIP_CONFIG=$SRC_TOP/tests/integration/sip-codecs/baresip.config
declare -A BARESIP_CTRL=()

# baresip_account USER SECRET CODECS [MORE]: an account line registering USER
# to Lyre; MORE is appended (e.g. ";mediaenc=srtp").  The phone answers by
# itself unless MORE says ";answermode=manual".
baresip_account() {
	local answer=";answermode=auto"
	[[ ${4:-} == *answermode=* ]] && answer=
	echo "<sip:$1@127.0.0.1:$PORT_BASE>;auth_pass=$2;regint=60${answer};audio_codecs=$3${4:-}"
}

# baresip_phone NAME N ACCOUNT [TONE [LIFETIME]]: start phone N as NAME with
# that account line, playing $T/audio/TONE (default NAME.wav); baresip
# quits by itself after LIFETIME seconds (default 120).  PID_NAME is set.
baresip_phone() {
	local name=$1 n=$2 dir=$T/$1 tone=${4:-$1.wav}
	mkdir -p "$dir/rec"
	sed -e "s|@AUDIO@|$T/audio|g; s|@OUT@|$dir|g; s|@TONE@|$tone|; s|@SIP@|$((25080 + 10 * n))|" \
	    -e "s|@RTP@|$((30000 + 100 * n))-$((30099 + 100 * n))|; s|@CONS@|$((25555 + 40 * n))|" \
	    -e "s|@CTRL@|$((25454 + 40 * n))|" "$BARESIP_CONFIG" >"$dir/config"
	echo "$3" >"$dir/accounts"
	BARESIP_CTRL[$name]=$((25454 + 40 * n))
	baresip -f "$dir" -t "${5:-120}" </dev/null >"$T/$name.log" 2>&1 &
	eval "PID_$name=\$!"
}

# bctl NAME|PORT COMMAND [ARGS]: one ctrl_tcp command (output in $T/bctl.out).
bctl() {
	local port=${BARESIP_CTRL[$1]:-$1}
	python3 "$BARESIP_KIT/bctl.py" "$port" "${@:2}" >>"$T/bctl.out" 2>&1
}

# registered USER: Lyre lists a contact of USER on loopback.
registered() { cli_has "sip show contacts" "^ *$1 " || cli_has "sip show contacts" "$1.*127\.0\.0\.1:"; }

# calls NAME established|terminated N: NAME's log tells of at least N such calls.
calls() {
	local re='Call established: '
	[ "$2" = terminated ] && re='Call with .* terminated'
	[ "$(grep -cE "$re" "$T/$1.log")" -ge "$3" ]
}
established() { calls "$1" established "$2"; }
ended() { calls "$1" terminated "$2"; }

# newest_rec NAME: NAME's latest recording of what it heard.
newest_rec() { ls -t "$T/$1"/rec/*-dec.wav 2>/dev/null | head -1; }

# heard NAME HZ: NAME's latest recording peaks at HZ (details in $T/tones.out).
heard() {
	local f; f=$(newest_rec "$1")
	[ -n "$f" ] && "$BARESIP_KIT/tone-check.sh" "$f" "$2" >>"$T/tones.out" 2>&1
}

# rms FILE START LEN: RMS amplitude of that stretch of a WAV (0..1).
rms() { sox "$1" -n trim "$2" "$3" stat 2>&1 | awk '/RMS     amplitude/{print $3}'; }

# logged REGEX: Lyre's full log or console output has a matching line.
logged() { grep -qE -- "$1" "$T/log/full" "$T/lyre.out" 2>/dev/null; }
