# Voicemail storage, without phones: Local channels whose other half plays
# Milliwatt (a 1004 Hz tone), so every message holds audio.
#   200: a message; the e-mail (a stand-in mailcmd keeps it) parses with
#        Python's email module and its attachment is the message's WAV.
#   210: a caller id full of quotes, semicolons, brackets, '=' and UTF-8:
#        the .txt keeps it on its one callerid= line, the mail header is
#        RFC 2047-encoded.
#   299: no such mailbox: VMSTATUS=FAILED, logged.
#   201: maxmsg=2: a third caller hears "mailbox full", VMSTATUS=FAILED,
#        and the two messages are untouched.
#   220: MAILBOX_EXISTS and VM_INFO.
#   230: VoiceMail(203&298&200): 203 and 200 get the same message, the
#        unknown 298 is logged and skipped.
#   voicemail reload; a broken voicemail.conf keeps the old mailboxes;
#   the module unloads and loads again.
#   202: a mailbox left inconsistent (a gap, an orphan WAV, a .txt with no
#        audio), then kill -9 of Lyre during a recording: after a restart
#        the mailbox holds its two messages as msg0000 and msg0001, nothing
#        else, and tmp is empty.
need_tool python3
lyre_system
S=$TEST_DIR
VM=$T/spool/voicemail/vmtest
mkdir -p "$T/mail"
sed -i "s|^mailcmd = .*|mailcmd = /bin/sh $S/mailcmd.sh $T/mail|" "$ETC/voicemail.conf"
cat >>"$ETC/voicemail.conf" <<'CONF'

[vmtest]
200 => 1111,Mail User,user@example.com,,attach=yes|maxsecs=2
201 => 1111,Full Box,,,maxmsg=2|maxsecs=2
202 => 1111,Crash Box,,,maxsecs=120
203 => 1111,Copy Box,,,maxsecs=2
CONF
cat >>"$ETC/extensions.conf" <<'CONF'

[vmtest]
exten => _20X,1,VoiceMail(${EXTEN}@vmtest,s)
 same => n,Verbose(1,vmtest ${EXTEN}: ${VMSTATUS})
 same => n,Hangup()
exten => 210,1,Set(CALLERID(name)=O'Brien "Bob" \; [x]=y é)
 same => n,Set(CALLERID(num)=+1 (555) <123>)
 same => n,VoiceMail(200@vmtest,s)
 same => n,Verbose(1,vmtest 210: ${VMSTATUS})
 same => n,Hangup()
exten => 230,1,VoiceMail(203@vmtest&298@vmtest&200@vmtest,s)
 same => n,Verbose(1,vmtest 230: ${VMSTATUS})
 same => n,Hangup()
exten => 299,1,VoiceMail(299@vmtest,s)
 same => n,Verbose(1,vmtest 299: ${VMSTATUS})
 same => n,Hangup()
exten => 220,1,Verbose(1,vmtest 220: ${MAILBOX_EXISTS(200@vmtest)} ${MAILBOX_EXISTS(299@vmtest)} ${VM_INFO(200@vmtest,count)} ${VM_INFO(200@vmtest,fullname)} ${VM_INFO(201@vmtest,count,Old)})
 same => n,Hangup()
CONF
# 202, as a crash could leave it: msg0000 and msg0002 (a gap), an orphan
# msg0005.wav without .txt, a msg0003.txt without audio.
B=$VM/202/INBOX
mkdir -p "$B"
for n in 0000 0002; do
	cp "$SRC_TOP/sounds/en/vm-goodbye.wav" "$B/msg$n.wav"
	printf ';\n[message]\norigmailbox=202\ncallerid="Old %s" <1%s>\nduration=1\n' $n $n >"$B/msg$n.txt"
done
cp "$SRC_TOP/sounds/en/beep.wav" "$B/msg0005.wav"
cp "$B/msg0000.txt" "$B/msg0003.txt"
lyre_start || exit 1

logged() { grep -qE -- "$1" "$T/log/full" 2>/dev/null; }
call() { lyre_cli "channel originate Local/$1@vmtest application Milliwatt"; }
one_mail() { [ "$(ls "$T/mail" | wc -l)" -ge "$1" ]; }

check "mailbox 202 was made consistent at start: msg0000, msg0001" \
	eval '[ "$(ls "$B" | tr "\n" " ")" = "msg0000.txt msg0000.wav msg0001.txt msg0001.wav " ]'
check "... the old msg0002 is now msg0001" grep -q 'callerid="Old 0002"' "$B/msg0001.txt"
check "... the orphans were logged" logged "msg0005 has no .txt: removed"

# 200: a message and its e-mail
check "a call to 200" call 200
WAIT_S=20 check "... SUCCESS" wait_for logged "vmtest 200: SUCCESS"
check "... msg0000 of about 2 s (maxsecs)" eval '[ "$(sed -n "s/^duration=//p" "$VM/200/INBOX/msg0000.txt")" = 2 ]'
check "... the e-mail went through mailcmd" wait_for one_mail 1
mail=$(ls "$T/mail"/*.eml | head -1)
check "... it parses, and its attachment is msg0000.wav" \
	python3 "$S/check-mail.py" "$mail" "$VM/200/INBOX/msg0000.wav" user@example.com "mailbox 200"

# 210: odd characters in the caller id
check "a call to 210 (odd caller id) leaves a message in 200" call 210
WAIT_S=20 check "... SUCCESS" wait_for logged "vmtest 210: SUCCESS"
txt=$VM/200/INBOX/msg0001.txt
check "... the .txt keeps the caller id on its one line" \
	grep -qF "callerid=\"O'Brien \"Bob\" ; [x]=y é\" <+1 (555) <123>>" "$txt"
check "... and adds no key" eval '[ "$(grep -c = "$txt")" -eq "$(grep -c = "$VM/200/INBOX/msg0000.txt")" ]'
check "... its e-mail" wait_for one_mail 2
mail=$(ls -t "$T/mail"/*.eml | head -1)
check "... parses, the subject decodes to the caller id, the attachment is msg0001.wav" \
	python3 "$S/check-mail.py" "$mail" "$VM/200/INBOX/msg0001.wav" user@example.com "O'Brien"
check "voicemail show users: 200 has 2 new" cli_has "voicemail show users for vmtest" "vmtest +200 +Mail User +2 +0"
check "MWI: 200@vmtest 2 new" cli_has "voicemail show mwi" "200@vmtest +yes +2 +0"

# 299: unknown mailbox
check "a call to 299 (no such mailbox)" call 299
check "... VMSTATUS=FAILED" wait_for logged "vmtest 299: FAILED"
check "... logged" logged "WARNING.*VoiceMail: no mailbox 299@vmtest"

# 201: maxmsg=2
for i in 1 2; do
	check "call $i to 201" call 201
	WAIT_S=20 check "... SUCCESS" wait_for eval '[ "$(grep -c "vmtest 201: SUCCESS" "$T/log/full")" -ge '$i' ]'
done
sums=$(md5sum "$VM/201/INBOX"/* | awk '{print $1}' | tr '\n' ' ')
check "a third call to 201 (full)" call 201
WAIT_S=20 check "... VMSTATUS=FAILED" wait_for logged "vmtest 201: FAILED"
check "... the caller was told" logged "playing .*/en/vm-mailboxfull\."
check "... logged" logged "VoiceMail: mailbox 201@vmtest is full \(maxmsg 2\)"
check "... the two messages are untouched" \
	eval '[ "$(md5sum "$VM/201/INBOX"/* | awk "{print \$1}" | tr "\n" " ")" = "$sums" ]'
check "... and nothing was added" [ "$(ls "$VM/201/INBOX" | wc -l)" -eq 4 ]

check "MAILBOX_EXISTS and VM_INFO" call 220
check "... 1 0 2 Mail User 0" wait_for logged "vmtest 220: 1 0 2 Mail User 0$"

# 230: several mailboxes
check "a call to 230 (203&298&200)" call 230
WAIT_S=20 check "... SUCCESS" wait_for logged "vmtest 230: SUCCESS"
check "... 298 logged" logged "WARNING.*VoiceMail: no mailbox 298@vmtest"
check "... 203 has msg0000, 200 msg0002: the same audio" \
	eval '[ "$(md5sum <"$VM/203/INBOX/msg0000.wav")" = "$(md5sum <"$VM/200/INBOX/msg0002.wav")" ]'
check "... each with its .txt" eval '[ -s "$VM/203/INBOX/msg0000.txt" ] && [ -s "$VM/200/INBOX/msg0002.txt" ]'
check "... 200 got its e-mail" wait_for one_mail 3

# documentation
check "core show application VoiceMail: the XML docs" cli_has "core show application VoiceMail" "VMSTATUS"
check "core show application VoiceMailMain" cli_has "core show application VoiceMailMain" "maxlogins"

# reloads
check "voicemail reload" cli_has "voicemail reload" "Voicemail reloaded"
echo "300 => 12x4,Broken PIN" >>"$ETC/voicemail.conf"
expect_errors "voicemail.conf: .*mailbox 300: the PIN must be digits"
check "a broken voicemail.conf is refused" eval '! lyre_cli "voicemail reload"'
check "... with file and line" logged "ERROR.*voicemail.conf:[0-9]+: mailbox 300: the PIN must be digits"
check "... the old mailboxes stay" cli_has "voicemail show users for vmtest" "vmtest +203 +Copy Box +1 +0"
sed -i '/^300 => /d' "$ETC/voicemail.conf"
check "module unload app_voicemail" lyre_cli "module unload app_voicemail"
check "... VoiceMail is gone" cli_lacks "core show applications" "VoiceMail"
check "module load app_voicemail" lyre_cli "module load app_voicemail"
check "... the counts are back" cli_has "voicemail show mwi" "200@vmtest +yes +3 +0"

# 202: kill -9 while recording
check "a call to 202 (maxsecs 120)" call 202
check "... is recording" wait_for logged "voicemail: recording to '$VM/202/tmp/"
sleep 1
check "... a temporary file exists" eval '[ -n "$(ls -A "$VM/202/tmp")" ]'
check "kill -9 of Lyre" kill -9 "$LYRE_PID"
wait "$LYRE_PID" 2>/dev/null
LYRE_PID=
check "Lyre starts again" lyre_start
check "... 202's INBOX: msg0000 and msg0001, nothing else" \
	eval '[ "$(ls "$B" | tr "\n" " ")" = "msg0000.txt msg0000.wav msg0001.txt msg0001.wav " ]'
check "... tmp is empty" eval '[ -z "$(ls -A "$VM/202/tmp")" ]'
check "... the cut recording was logged" logged "a recording cut short by a crash"
check "... 2 new messages" cli_has "voicemail show users for vmtest" "vmtest +202 +Crash Box +2 +0"
check "... no hidden files anywhere in the spool" eval '[ -z "$(find "$T/spool" -name ".*" -type f)" ]'
check "a new message for 202 after the restart is msg0002" call 202
recordings() { [ "$(grep -c "voicemail: recording to '$VM/202/tmp/" "$T/log/full")" -ge 2 ]; }
WAIT_S=10 check "... recording" wait_for recordings
sleep 1.5
check "... hang it up after 1.5 s" lyre_cli "channel request hangup all"
WAIT_S=20 check "... a hangup keeps the message" wait_for logged "VoiceMail: message msg0002 .* for 202@vmtest"
check "... as msg0002" wait_for eval '[ -s "$B/msg0002.txt" ] && [ -s "$B/msg0002.wav" ]'
check "... of 1 or 2 s" grep -qE '^duration=(1|2)$' "$B/msg0002.txt"
lyre_stop
