# The office auto-attendant (dialplans/office/extensions.conf, as shipped)
# with real phones (baresip):
#   the caller (150, mu-law, in-band DTMF) dials the main number 8000 and
#   records what it hears; at 4 s it presses 2.  Lyre plays the greeting,
#   the 2 cuts it short and the call lands at support: the support phone
#   (103, another baresip) rings and answers.  The caller's recording holds
#   speech energy where the greeting plays (not silence).
#   With the office closed (OPEN_HOURS set to another month), the caller
#   hears office-closed and Lyre hangs up.
#   No choice at all: 't' offers the menu again, three times, then the
#   operator (checked in the log on a Local channel, no phone needed).
# Business hours: the test sets the global OPEN_HOURS to *,*,*,* (always
# open) in its copy of extensions.conf, and SUPPORT_PHONES to SIP/103.
need_tool baresip
need_tool sox
need_tool python3
lyre_system
S=$TEST_DIR
sed -i -e 's/^OPEN_HOURS = .*/OPEN_HOURS = *,*,*,*/' -e 's|^SUPPORT_PHONES = .*|SUPPORT_PHONES = SIP/103|' \
	"$ETC/extensions.conf"
lyre_start || exit 1
source "$SRC_TOP/tests/integration/baresip.sh"
check "trace on (each application in the log)" lyre_cli "dialplan set trace on"

# The caller sends silence, with the DTMF 2 (in band) at 4 s.
mkdir -p "$T/audio"
sox -n -r 8000 -c 1 -b 16 "$T/audio/quiet.wav" trim 0 60
sox -n -r 8000 -c 1 -b 16 "$T/audio/lead.wav" trim 0 4
sox -n -r 8000 -c 1 -b 16 "$T/audio/d2.wav" synth 0.12 sine 697 sine 1336 remix - vol 0.4
sox "$T/audio/lead.wav" "$T/audio/d2.wav" "$T/audio/quiet.wav" "$T/audio/caller.wav"
cp "$T/audio/quiet.wav" "$T/audio/support.wav"

# rms_above NAME START LEN MIN / rms_below ...: the newest recording's level there.
rms_cmp() {
	local f r; f=$(newest_rec "$1")
	[ -n "$f" ] || return 1
	r=$(rms "$f" "$2" "$3")
	log "$1 heard: rms($2 s + $3 s) = $r"
	awk -v r="$r" -v m="$5" -v op="$4" 'BEGIN{ exit !(op == ">" ? r > m : r < m) }'
}

baresip_phone caller 0 "$(baresip_account 150 caller-secret-1 pcmu)"
baresip_phone support 1 "$(baresip_account 103 support-secret-2 pcmu)"
check "the caller registers" wait_for registered 150
check "the support phone registers" wait_for registered 103

start=$(date +%s)
check "the caller dials the main number 8000" bctl caller dial "sip:8000@127.0.0.1:$PORT_BASE"
check "... the auto-attendant answers with the greeting" wait_for logged "playing '.*/en/office-welcome\."
WAIT_S=15 check "... 2 (in band, at 4 s) picks support" wait_for logged "Auto-attendant: support"
check "... within 8 s, so the digit cut the 11 s greeting short" [ $(( $(date +%s) - start )) -le 8 ]
check "... Lyre tells the caller" wait_for logged "playing '.*/en/office-support\."
check "... and dials the support group" wait_for logged "Dial\(SIP/103,30\)"
WAIT_S=15 check "... the support phone rings and answers" wait_for established support 1
check "... the caller is connected to it" wait_for cli_has "core show channels" "SIP/103"
sleep 1
check "the caller hangs up" bctl caller hangup
check "... both calls end" wait_for ended support 1
check "... the caller's too" wait_for ended caller 1
check "... the caller heard speech while the greeting played (RMS > 0.02)" rms_cmp caller 0.3 3 ">" 0.02
check "... straight, not through 't' or 'i'" eval '! logged "is no choice|office-no-choice"'

# Closed: OPEN_HOURS names a month that is not this one.
other=$(LC_ALL=C date -d "+2 months" +%b | tr A-Z a-z)
sed -i "s/^OPEN_HOURS = .*/OPEN_HOURS = *,*,*,$other/" "$ETC/extensions.conf"
check "the office closes (OPEN_HOURS in $other)" lyre_cli "dialplan reload"
check "the caller dials 8000 again" bctl caller dial "sip:8000@127.0.0.1:$PORT_BASE"
check "... is told the office is closed" wait_for logged "playing '.*/en/office-closed\."
WAIT_S=15 check "... and Lyre hangs up after it" wait_for ended caller 2
check "... the support phone did not ring" established support 1
check "... (no second established call)" eval '! established support 2'
check "... the caller heard the message (RMS > 0.02)" rms_cmp caller 0.3 3 ">" 0.02

# No choice: t three times, then the operator (100, not registered here).
sed -i "s/^OPEN_HOURS = .*/OPEN_HOURS = *,*,*,*/" "$ETC/extensions.conf"
check "open again" lyre_cli "dialplan reload"
check "a silent caller (Local channel) reaches the attendant" \
	lyre_cli "channel originate Local/8000@office application Wait 90"
WAIT_S=90 check "... after three timeouts goes to the operator" \
	wait_for logged "Auto-attendant: operator"
check "... the menu was offered again twice" \
	[ "$(grep -c "playing '.*/en/office-menu\." "$T/log/full")" -eq 2 ]
check "... after 'I did not hear your choice'" \
	[ "$(grep -c "playing '.*/en/office-no-choice\." "$T/log/full")" -eq 2 ]
check "... and Dial rings the operator's phone" wait_for logged "Dial\(SIP/100,20\)"
WAIT_S=30 check "... which is not there: the operator's voicemail" wait_for logged "VoiceMail\(100@office,u\)"
check "... the silent caller is hung up" lyre_cli "channel request hangup all"

for p in caller support; do
	bctl $p quit
done
for p in caller support; do
	check "$p exits cleanly" eval "wait \$PID_$p"
done
lyre_stop
