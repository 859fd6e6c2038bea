# VoiceMail and VoiceMailMain menus with a real phone (baresip, digits by
# RFC 4733), on the office system with these voicemail.conf changes:
# format = wav|ulaw|wav49 (wav49 is skipped with a warning naming the
# line), pollmailboxes = yes every 2 s, callback = vmcallback,
# sendvoicemail = yes.
#   carol (104) leaves 101 an urgent message (VoiceMail(101@office,sU)):
#     it lands in 101/Urgent as msg0000.wav and .ulaw, its .txt says
#     flag=Urgent, and MWI counts it as new and urgent (1 0 1).
#   pollmailboxes: a message copied by hand into 103/INBOX lights 103's
#     lamp within pollfreq; removing it by hand puts it out.
#   VoiceMail's greeting: 0 goes to extension o, * to a (USEREXIT).
#   VoiceMailMain(101@office): "you have 1 urgent message" first; 1 plays
#     the urgent message; 3 3 says its envelope again; 3 1 replies: a
#     message for 104 (the caller's box), recorded and stored in 104's
#     INBOX; 8 102# forwards it (102's INBOX gets both formats, its count
#     follows); 3 5 105# sends a message to 105 (sendvoicemail); 9 2
#     saves it to Work; 3 2 calls the caller back (extension
#     104 of the callback context).  Then 101's message is in Work, in both
#     formats, Urgent is empty and 101's lamp is out.
need_tool baresip
need_tool sox
need_tool python3
lyre_system
S=$TEST_DIR
VM=$T/spool/voicemail/office
sed -i -e 's/^format = wav$/format = wav|ulaw|wav49/' \
	-e 's/^\[general\]$/[general]\npollmailboxes = yes\npollfreq = 2\ncallback = vmcallback\nsendvoicemail = yes/' \
	"$ETC/voicemail.conf"
sed -i 's/^\[office\]$/[office]\ninclude => vmmenus/' "$ETC/extensions.conf"
cat >>"$ETC/extensions.conf" <<'CONF'

[vmmenus]
exten => 8101,1,VoiceMail(101@office,sU)
 same => n,Verbose(1,vmmenus 8101: ${VMSTATUS})
 same => n,Hangup()
exten => 8102,1,Goto(vmgreet,s,1)
exten => 8201,1,VoiceMailMain(101@office)
 same => n,Verbose(1,vmmenus 8201: done)
 same => n,Hangup()

[vmgreet]
exten => s,1,VoiceMail(102@office,u)
 same => n,Verbose(1,vmgreet: after VoiceMail ${VMSTATUS})
 same => n,Hangup()
exten => o,1,Verbose(1,vmgreet: reached o with ${VMSTATUS})
 same => n,Hangup()
exten => a,1,Verbose(1,vmgreet: reached a with ${VMSTATUS})
 same => n,Hangup()

[vmcallback]
exten => 104,1,Verbose(1,vmcallback: calling back ${EXTEN})
 same => n,Hangup()
CONF
lyre_start || exit 1
source "$SRC_TOP/tests/integration/baresip.sh"

mkdir -p "$T/audio"
sox -n -r 8000 -c 1 -b 16 "$T/audio/quiet.wav" trim 0 200
sox -n -r 8000 -c 1 -b 16 "$T/audio/tone.wav" synth 3 sine 700 vol 0.5 trim 0 3 pad 0 120

# count REGEX N: the log holds REGEX at least N times
count() { [ "$(grep -cE -- "$1" "$T/log/full" 2>/dev/null)" -ge "$2" ]; }
audio() { bctl carol --listen 0.2 ausrc "aufile,$T/audio/$1"; }
keys() { bctl carol --listen 0.2 sndcode "$1"; }
msg_files() { [ "$(ls "$1" 2>/dev/null | tr '\n' ' ')" = "$2" ]; }
tone_ms() { python3 "$S/../voicemail-phones/tone700.py" "$1"; }
# menu_back: wait until VoiceMailMain offers its message menu again (after
# a prompt that keys do not stop, such as "message saved").
menu_back() {
	local n; n=$(grep -cE "playing .*/en/vm-msginstruct\." "$T/log/full")
	wait_for count "playing .*/en/vm-msginstruct\." $((n + 1))
}

check "format: wav49 is skipped with a warning naming the line" \
	logged "WARNING.*voicemail.conf:[0-9]+: voicemail.conf: format wav49: Lyre cannot record that"
check "pollmailboxes started" logged "voicemail: pollmailboxes every 2 s"

baresip_phone carol 0 "$(baresip_account 104 carol-secret-104 pcmu)" quiet.wav 280
check "carol registers" wait_for registered 104

# ---- an urgent message for 101 ----
check "carol calls 8101 (VoiceMail(101@office,sU))" bctl carol dial "sip:8101@127.0.0.1:$PORT_BASE"
check "... the beep, then the recording" wait_for logged "voicemail: recording to '$VM/101/tmp/.*\.wav' \(and other formats\)"
check "... carol sends 3 s of 700 Hz" audio tone.wav
sleep 3.5
check "... and #" keys "#"
WAIT_S=15 check "... stored as an urgent message" wait_for logged "VoiceMail: urgent message msg0000 .* for 101@office"
check "... VMSTATUS=SUCCESS" wait_for logged "vmmenus 8101: SUCCESS"
check "... the call ends" wait_for ended carol 1
audio quiet.wav
check "101/Urgent holds msg0000 in wav and ulaw, and its .txt" \
	msg_files "$VM/101/Urgent" "msg0000.txt msg0000.ulaw msg0000.wav "
check "... INBOX has nothing" eval '[ -z "$(ls -A "$VM/101/INBOX" 2>/dev/null)" ]'
check "... the .txt says flag=Urgent and names carol" \
	eval 'grep -qx "flag=Urgent" "$VM/101/Urgent/msg0000.txt" && grep -q "^callerid=.*<104>$" "$VM/101/Urgent/msg0000.txt"'
check "... the wav holds the tone (>= 2 s)" eval '[ "$(tone_ms "$VM/101/Urgent/msg0000.wav")" -ge 2000 ]'
check "... the ulaw file is as long as the wav (8000 bytes a second)" \
	eval 'w=$(stat -c %s "$VM/101/Urgent/msg0000.wav"); u=$(stat -c %s "$VM/101/Urgent/msg0000.ulaw"); [ $((u * 2 + 44)) -ge $((w - 400)) ] && [ $((u * 2 + 44)) -le $((w + 400)) ]'
check "MWI: 101 waiting, 1 new of which 1 urgent" cli_has "voicemail show mwi" "101@office +yes +1 +0 +1"
check "voicemail show users: 1 new" cli_has "voicemail show users for office" "office +101 +Sales One +1 +0"

# ---- pollmailboxes ----
mkdir -p "$VM/103/INBOX"
cp "$VM/101/Urgent/msg0000.wav" "$VM/103/INBOX/msg0000.wav"
cp "$VM/101/Urgent/msg0000.txt" "$VM/103/INBOX/msg0000.txt"
check "a message copied by hand into 103's INBOX: the lamp lights within pollfreq" \
	wait_for cli_has "voicemail show mwi" "103@office +yes +1 +0 +0"
check "... the poller logged it" logged "pollmailboxes: 103@office changed outside Lyre"
rm "$VM/103/INBOX/msg0000.txt" "$VM/103/INBOX/msg0000.wav"
check "... removed by hand: it goes out" wait_for cli_has "voicemail show mwi" "103@office +no +0 +0"

# ---- the greeting's 0 and * ----
check "carol calls 8102 (VoiceMail(102@office,u))" bctl carol dial "sip:8102@127.0.0.1:$PORT_BASE"
check "... the greeting plays" wait_for logged "playing .*/en/vm-theperson\."
check "... 0" keys "0"
check "... goes to extension o, VMSTATUS=USEREXIT" wait_for logged "vmgreet: reached o with USEREXIT"
check "... the call ends" wait_for ended carol 2
check "carol calls 8102 again" bctl carol dial "sip:8102@127.0.0.1:$PORT_BASE"
check "... the greeting plays" wait_for count "playing .*/en/vm-theperson\." 2
check "... *" keys "*"
check "... goes to extension a, VMSTATUS=USEREXIT" wait_for logged "vmgreet: reached a with USEREXIT"
check "... the call ends" wait_for ended carol 3
check "... 102 got no message" eval '[ -z "$(ls -A "$VM/102/INBOX" 2>/dev/null)" ]'

# ---- VoiceMailMain ----
check "carol calls 8201 (VoiceMailMain(101@office))" bctl carol dial "sip:8201@127.0.0.1:$PORT_BASE"
check "... asked for the PIN" wait_for logged "playing .*/en/vm-password\."
check "... 1234#" keys "1234#"
check "... logged in" wait_for logged "VoiceMailMain: 101@office logged in"
check "... 'you have 1 urgent message' first" wait_for logged "playing .*/en/vm-Urgent\."
check "... before any INBOX count" eval '! logged "playing .*/en/vm-INBOX\."'
check "... 1: the urgent message plays" keys "1"
WAIT_S=20 check "... from the Urgent folder" wait_for logged "voicemail: playing '$VM/101/Urgent/msg0000.wav'"
sleep 4
check "... 3: advanced options" keys "3"
check "... offered: reply, call back, envelope, send" \
	wait_for eval 'logged "playing .*/en/vm-toreply\." && logged "playing .*/en/vm-tocallback\."'
check "... 3: the envelope again" keys "3"
check "... 'received' said a second time" wait_for count "playing .*/en/vm-received\." 2
sleep 2
check "... 3 1: reply" keys "3"
check "... options again" wait_for count "playing .*/en/vm-toreply\." 2
keys "1"
check "... records for 104, the caller's box" wait_for logged "voicemail: recording to '$VM/104/tmp/"
check "... the reply is logged" logged "VoiceMailMain: 101@office: reply to 104@office"
check "... carol speaks (700 Hz)" audio tone.wav
sleep 3.5
check "... and #" keys "#"
WAIT_S=15 check "... stored in 104's INBOX" wait_for logged "VoiceMail: message msg0000 .* for 104@office"
audio quiet.wav
check "... 104/INBOX: msg0000 in both formats" msg_files "$VM/104/INBOX" "msg0000.txt msg0000.ulaw msg0000.wav "
check "... MWI: 104 has 1 new" wait_for cli_has "voicemail show mwi" "104@office +yes +1 +0 +0"
check "... 'message saved'" wait_for count "playing .*/en/vm-msgsaved\." 2
WAIT_S=20 check "... the menu again" menu_back
check "... 8: forward" keys "8"
check "... which extension?" wait_for logged "playing .*/en/vm-extension\."
check "... 102#" keys "102#"
check "... forwarded" wait_for logged "VoiceMailMain: msg0000 of 101@office forwarded to 102@office"
check "... 102/INBOX: msg0000 in both formats" msg_files "$VM/102/INBOX" "msg0000.txt msg0000.ulaw msg0000.wav "
check "... the copy is the message" cmp "$VM/101/Urgent/msg0000.wav" "$VM/102/INBOX/msg0000.wav"
check "... MWI: 102 has 1 new" wait_for cli_has "voicemail show mwi" "102@office +yes +1 +0 +0"
check "... 'message saved'" wait_for count "playing .*/en/vm-msgsaved\." 3
WAIT_S=20 check "... the menu again" menu_back
check "... 3 5: send a message" keys "3"
check "... options again, 'send a message' offered" \
	wait_for eval 'count "playing .*/en/vm-toreply\." 3 && logged "playing .*/en/vm-leavemsg\."'
keys "5"
check "... which extension?" wait_for count "playing .*/en/vm-extension\." 2
check "... 105#" keys "105#"
check "... records for 105" wait_for logged "voicemail: recording to '$VM/105/tmp/"
check "... carol speaks" audio tone.wav
sleep 2.5
check "... and #" keys "#"
WAIT_S=15 check "... stored in 105's INBOX" wait_for logged "VoiceMail: message msg0000 .* for 105@office"
audio quiet.wav
check "... logged as sent" logged "VoiceMailMain: 101@office: message sent to 105@office"
check "... 105/INBOX: msg0000 in both formats" msg_files "$VM/105/INBOX" "msg0000.txt msg0000.ulaw msg0000.wav "
check "... MWI: 105 has 1 new" wait_for cli_has "voicemail show mwi" "105@office +yes +1 +0 +0"
check "... 'message saved'" wait_for count "playing .*/en/vm-msgsaved\." 4
WAIT_S=20 check "... the menu again" menu_back
check "... 9: save to a folder" keys "9"
check "... which folder?" wait_for logged "playing .*/en/vm-savefolder\."
check "... 2 (Work)" keys "2"
check "... 'saved to Work'" wait_for logged "playing .*/en/vm-Work\."
check "... not moved yet (on leaving the folder, as Asterisk)" msg_files "$VM/101/Urgent" "msg0000.txt msg0000.ulaw msg0000.wav "
sleep 1
check "... 3 2: call the caller back" keys "3"
check "... options again" wait_for count "playing .*/en/vm-toreply\." 4
keys "2"
check "... the call goes on at 104@vmcallback" wait_for logged "vmcallback: calling back 104"
check "... without 'goodbye' (only 8101's)" eval '[ "$(grep -cE "playing .*/en/vm-goodbye\." "$T/log/full")" -eq 1 ]'
check "... the call ends" wait_for ended carol 4
check "101's message is in Work, in both formats" msg_files "$VM/101/Work" "msg0000.txt msg0000.ulaw msg0000.wav "
check "... Urgent, INBOX and Old are empty" \
	eval 'for f in Urgent INBOX Old; do [ -z "$(ls -A "$VM/101/$f" 2>/dev/null)" ] || exit 1; done'
check "... MWI: 101 not waiting" wait_for cli_has "voicemail show mwi" "101@office +no +0 +0 +0"
check "voicemail show users: 101 0 new 0 old, 102 1, 104 1" \
	eval 'cli_has "voicemail show users for office" "office +101 +Sales One +0 +0" && grep -qE "office +102 +Sales Two +1 +0" "$T/cli.last" && grep -qE "office +104 +Support Two +1 +0" "$T/cli.last"'

bctl carol quit
check "carol exits cleanly" eval "wait \$PID_carol"
lyre_stop
