# Voicemail with real phones (baresip), on the office system as shipped
# (extensions.conf, voicemail.conf):
#   alice (150) calls 100; bob (100) rings but does not answer, so after
#   Dial's 20 s VoiceMail(100@office,u) plays the greeting ("the person at
#   extension 1 0 0 is not available", "leave your message", beep).  Alice
#   then sends a 700 Hz tone for 5 s and '#': INBOX holds msg0000.wav of
#   about 5 s peaking at 700 Hz, msg0000.txt names her (<150>), and the
#   mailbox shows 1 new message (voicemail show users, show mwi), and a
#   sipp subscriber to 100's message-summary gets Messages-Waiting: yes,
#   Voice-Message: 1/0 (and no, 0/0 once the message is deleted).
#   bob dials *97: PIN 1234#, 1 plays the message (his recording holds the
#   700 Hz tone), 7 deletes it, # ends: INBOX is empty, counts 0, MWI no.
#   bob dials *97 and gets his PIN wrong maxlogins (3) times: Lyre hangs up.
#   bob dials *97, changes his PIN (0 5) and records his unavailable
#   greeting (0 1, a 700 Hz tone): voicemail.conf holds the new PIN on his
#   line; after a restart the new PIN logs in, and VoiceMail plays his
#   greeting.
need_tool baresip
need_tool sox
need_tool python3
lyre_system
lyre_start || exit 1
source "$SRC_TOP/tests/integration/baresip.sh"
S=$TEST_DIR
BOX=$T/spool/voicemail/office/100

mkdir -p "$T/audio"
sox -n -r 8000 -c 1 -b 16 "$T/audio/quiet.wav" trim 0 120
sox -n -r 8000 -c 1 -b 16 "$T/audio/tone5.wav" synth 5 sine 700 vol 0.5
sox -n -r 8000 -c 1 -b 16 "$T/audio/gap.wav" trim 0 0.1
sox -n -r 8000 -c 1 -b 16 "$T/audio/pound.wav" synth 0.12 sine 941 sine 1477 remix - vol 0.4
# alice's message: 5 s of 700 Hz, then # in band (alice is dtmfmode=inband),
# so the # comes right at the tone's end whatever the machine's load.
sox "$T/audio/tone5.wav" "$T/audio/gap.wav" "$T/audio/pound.wav" "$T/audio/quiet.wav" "$T/audio/tone.wav"
# bob's greeting: the tone and a long silence (baresip ends a call when
# its audio file ends).
sox "$T/audio/tone5.wav" "$T/audio/quiet.wav" "$T/audio/greeting.wav"

# count REGEX N: the log holds REGEX at least N times
count() { [ "$(grep -cE -- "$1" "$T/log/full" 2>/dev/null)" -ge "$2" ]; }
# tone FILE: the tone's 5 s (+/- 0.4) loud (the # just after it may add a
# block), at most 2.5 s besides (baresip takes a moment to switch its audio
# source after the beep), 700 Hz (sip-record's analyse.py).
tone() {
	local a; a=$(python3 "$S/../sip-record/analyse.py" "$1") || return 1
	set -- "$1" $a
	log "$1: duration ${2} ms, loud ${3} ms, peak ${4} Hz"
	[ "$3" -ge 4600 ] && [ "$3" -le 5400 ] && [ "$2" -le $(($3 + 2500)) ] && [ "$4" -ge 680 ] && [ "$4" -le 720 ]
}
heard_tone() {
	local f ms; f=$(newest_rec "$1"); [ -n "$f" ] || return 1
	ms=$(python3 "$S/tone700.py" "$f"); log "$1 heard $ms ms of 700 Hz in $f"
	[ "$ms" -ge "$2" ]
}

baresip_phone alice 0 "$(baresip_account 150 alice-secret-150 pcmu)" quiet.wav 240
baresip_phone bob 1 "$(baresip_account 100 bob-secret-100 pcmu ";answermode=manual")" quiet.wav 240
check "alice registers" wait_for registered 150
check "bob registers" wait_for registered 100
check "mailbox 100 starts empty" cli_has "voicemail show users for office" "office +100 +Operator +0 +0"

# A sipp subscriber (as 100, RFC 3842) watches the lamp for the whole test.
WATCH_PORT=$((PORT_BASE + 20))
timeout 280 sipp -sf "$S/subscribe_watch_uac.xml" -s 100 -au 100 -ap bob-secret-100 \
	-auth_uri "100@127.0.0.1:$PORT_BASE" -key expires 600 -i 127.0.0.1 -p $WATCH_PORT -m 1 \
	-nostdin -timeout 270 -trace_msg -message_file "$T/msg.watch" "127.0.0.1:$PORT_BASE" \
	>"$T/sipp.watch.out" 2>&1 &
WATCH_PID=$!
# lamp N|last LINE: the Nth (or the latest) NOTIFY sipp received has LINE.
lamp() {
	local n=$1
	[ "$n" = last ] && n=$(grep -c "^NOTIFY " "$T/msg.watch")
	tr -d '\r' <"$T/msg.watch" | awk -v n="$n" '/^NOTIFY / { k++ } k == n' | grep -qxF -- "$2"
}
check "a sipp subscriber to 100's message-summary is accepted" \
	wait_for cli_has "sip show subscriptions" "^100 +100@office .*127.0.0.1:$WATCH_PORT "
check "... its first NOTIFY: Messages-Waiting: no" wait_for lamp 1 "Messages-Waiting: no"

check "alice calls 100" bctl alice dial "sip:100@127.0.0.1:$PORT_BASE"
check "... bob's phone rings" wait_for grep -q "Incoming call" "$T/bob.log"
WAIT_S=40 check "... nobody answers: VoiceMail plays the greeting, then the beep" wait_for logged "playing .*/en/beep\."
check "... alice sends a 700 Hz tone for 5 s, then # (in band)" bctl alice --listen 0.2 ausrc "aufile,$T/audio/tone.wav"
check "... the greeting named the extension" \
	eval 'logged "playing .*/en/vm-theperson\." && logged "playing .*/en/digits/1\." && logged "playing .*/en/vm-isunavail\." && logged "playing .*/en/vm-intro\."'
check "... VoiceMail records" wait_for logged "voicemail: recording to '$BOX/tmp/"
WAIT_S=15 check "... the message is stored" wait_for logged "VoiceMail: message msg0000 .* for 100@office"
check "... alice is told and Lyre hangs up" wait_for ended alice 1
check "INBOX has msg0000.wav and msg0000.txt" eval '[ -s "$BOX/INBOX/msg0000.wav" ] && [ -s "$BOX/INBOX/msg0000.txt" ]'
check "... and nothing else" [ "$(ls "$BOX/INBOX" | wc -l)" -eq 2 ]
check "... the audio is about 5 s of 700 Hz" tone "$BOX/INBOX/msg0000.wav"
check "... the .txt names the caller" grep -q '^callerid=.*<150>$' "$BOX/INBOX/msg0000.txt"
check "... and has Asterisk's keys" eval 'for k in origmailbox=100 context=office origdate= origtime= duration= msg_id=; do grep -q "^$k" "$BOX/INBOX/msg0000.txt" || exit 1; done'
check "... no temporary file is left" eval '[ -z "$(ls -A "$BOX/tmp")" ]'
check "voicemail show users: 1 new" cli_has "voicemail show users" "office +100 +Operator +1 +0"
check "MWI: 100@office waiting, 1 new" cli_has "voicemail show mwi" "100@office +yes +1 +0"
check "... the subscriber's latest NOTIFY: Messages-Waiting: yes" wait_for lamp last "Messages-Waiting: yes"
check "... Voice-Message: 1/0 (0/0)" lamp last "Voice-Message: 1/0 (0/0)"

# bob listens: the digits go when Lyre is ready for them (the log says so).
check "bob dials *97" bctl bob dial "sip:*97@127.0.0.1:$PORT_BASE"
check "... asked for his PIN" wait_for logged "playing .*/en/vm-password\."
check "... sends 1234#" bctl bob sndcode "1234#"
check "... logged in" wait_for logged "VoiceMailMain: 100@office logged in"
check "... hears 'you have one new message'" wait_for logged "playing .*/en/vm-youhave\."
check "... presses 1" bctl bob sndcode "1"
WAIT_S=20 check "... the message plays" wait_for logged "voicemail: playing '$BOX/INBOX/msg0000.wav'"
sleep 6
check "... presses 7" bctl bob sndcode "7"
check "... 'message deleted'" wait_for logged "playing .*/en/vm-deleted\."
check "... presses #" bctl bob sndcode "#"
check "... goodbye, and Lyre hangs up" wait_for ended bob 1
check "bob heard the 700 Hz tone (>= 4 s of it)" heard_tone bob 4000
check "INBOX is empty" eval '[ -z "$(ls -A "$BOX/INBOX")" ]'
check "... nothing went to Old" eval '[ -z "$(ls -A "$BOX/Old" 2>/dev/null)" ]'
check "voicemail show users: 0 new, 0 old" cli_has "voicemail show users" "office +100 +Operator +0 +0"
check "MWI: 100@office not waiting" cli_has "voicemail show mwi" "100@office +no +0 +0"
check "... the subscriber's latest NOTIFY: Messages-Waiting: no" wait_for lamp last "Messages-Waiting: no"
check "... Voice-Message: 0/0 (0/0)" lamp last "Voice-Message: 0/0 (0/0)"
kill "$WATCH_PID" 2>/dev/null

# A wrong PIN three times (maxlogins) ends the call.
check "bob dials *97 again" bctl bob dial "sip:*97@127.0.0.1:$PORT_BASE"
for i in 1 2 3; do
	check "... PIN prompt $i" wait_for count "playing .*/en/vm-password\." $((1 + i))
	check "... sends a wrong PIN" bctl bob sndcode "9999#"
done
check "... three failed logins are logged" wait_for count "VoiceMailMain: failed login to 100@office" 3
check "... Lyre gives up" wait_for logged "VoiceMailMain: 3 failed logins: hanging up"
check "... and hangs up" wait_for ended bob 2
check "... no fourth PIN prompt" [ "$(grep -cE "playing .*/en/vm-password\." "$T/log/full")" -eq 4 ]

# PIN change and greeting
check "bob dials *97 once more" bctl bob dial "sip:*97@127.0.0.1:$PORT_BASE"
check "... PIN prompt" wait_for count "playing .*/en/vm-password\." 5
check "... 1234#" bctl bob --listen 0.2 sndcode "1234#"
check "... logged in" wait_for count "VoiceMailMain: 100@office logged in" 2
check "... 0: mailbox options" bctl bob --listen 0.2 sndcode "0"
check "... offered" wait_for logged "playing .*/en/vm-options\."
check "... 5: change the PIN" bctl bob --listen 0.2 sndcode "5"
check "... new PIN?" wait_for logged "playing .*/en/vm-newpassword\."
check "... 4321#" bctl bob --listen 0.2 sndcode "4321#"
check "... again?" wait_for logged "playing .*/en/vm-reenterpassword\."
check "... 4321#" bctl bob --listen 0.2 sndcode "4321#"
check "... changed" wait_for logged "playing .*/en/vm-passchanged\."
check "voicemail.conf has the new PIN on 100's line, the rest kept" \
	eval 'grep -q "^100 => 4321,Operator$" "$ETC/voicemail.conf" && grep -q "^101 => 1234,Sales One$" "$ETC/voicemail.conf"'
check "... options again: 1 records the unavailable greeting" wait_for count "playing .*/en/vm-options\." 2
check "... 1" bctl bob --listen 0.2 sndcode "1"
check "... recording" wait_for logged "voicemail: recording to '$BOX/unavail.wav'"
check "... bob sends the tone" bctl bob --listen 0.2 ausrc "aufile,$T/audio/greeting.wav"
sleep 4
check "... and #" bctl bob --listen 0.2 sndcode "#"
check "... saved" wait_for logged "100@office recorded the unavail greeting"
check "... unavail.wav holds the tone (>= 1 s)" eval '[ "$(python3 "$S/tone700.py" "$BOX/unavail.wav")" -ge 1000 ]'
check "... * back, # goodbye" wait_for count "playing .*/en/vm-options\." 3
bctl bob --listen 0.2 sndcode "*"
sleep 1
bctl bob --listen 0.2 sndcode "#"
check "... Lyre hangs up" wait_for ended bob 3
check "bob's audio back to quiet" bctl bob --listen 0.2 ausrc "aufile,$T/audio/quiet.wav"

lyre_stop
lyre_start || exit 1
check "bob registers again" wait_for registered 100
check "bob dials *97 after the restart" bctl bob dial "sip:*97@127.0.0.1:$PORT_BASE"
check "... PIN prompt" wait_for count "playing .*/en/vm-password\." 6
check "... the new PIN 4321#" bctl bob --listen 0.2 sndcode "4321#"
check "... logs in" wait_for count "VoiceMailMain: 100@office logged in" 3
bctl bob --listen 0.2 sndcode "#"
check "... goodbye" wait_for ended bob 4
check "alice calls 100 again" bctl alice dial "sip:100@127.0.0.1:$PORT_BASE"
WAIT_S=40 check "... VoiceMail plays bob's greeting" wait_for logged "voicemail: playing '$BOX/unavail.wav'"
check "... not the default one" [ "$(grep -c "playing .*/en/vm-theperson\." "$T/log/full")" -eq 1 ]
check "... alice hangs up" bctl alice hangup
check "... the call ends" wait_for cli_has "core show channels" "^0 active channels"

for p in alice bob; do
	bctl $p quit
done
for p in alice bob; do
	check "$p exits cleanly" eval "wait \$PID_$p"
done
lyre_stop
