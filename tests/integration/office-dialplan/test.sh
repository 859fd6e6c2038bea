# The bundled office dialplan loads and its features work end to end:
# calls run through Local channels with the trace on, DND lives in the
# DB and survives a restart.
lyre_system
lyre_start || exit 1

check "the office dialplan is loaded" cli_has "dialplan show" "office-internal"
check "dialplan show counts what it shows" grep -qE "extensions? .* in [0-9]+ contexts" "$T/cli.last"
check "trace on" lyre_cli "dialplan set trace on"

# *78 from phone 150 (the caller id travels into the Local channel through
# the requestor's variables; set it with CALLERID on the dialplan side).
cat >> "$ETC/extensions.conf" <<'X'

[test-harness]
exten => dnd-on,1,Set(CALLERID(num)=150)
 same => n,Goto(office,*78,1)
exten => dnd-off,1,Set(CALLERID(num)=150)
 same => n,Goto(office,*79,1)
exten => call150,1,Set(CALLERID(num)=120)
 same => n,Goto(office,150,1)
exten => call101,1,Set(CALLERID(num)=120)
 same => n,Gosub(sub-phone,s,1(101))
 same => n,Verbose(1,sub-phone says ${DIALSTATUS} for 101)
 same => n,Goto(office,101,1)
X
check "the dialplan reloads with the test context" lyre_cli "dialplan reload"
check "*78 turns DND on" lyre_cli "channel originate Local/dnd-on@test-harness application Wait 1"
check "... the DB holds it" wait_for cli_has "database show DND" "/DND/150 +: on"
check "calling 150 finds it busy" lyre_cli "channel originate Local/call150@test-harness application Wait 1"
check "... through sub-phone's busy branch" wait_for grep -q "sub-phone:6 Set(DIALSTATUS=BUSY)" "$T/log/full"
check "... and the caller hears busy (150 has no mailbox)" wait_for grep -qE "150@office:[0-9]+ Busy\(3\)" "$T/log/full"

lyre_stop
lyre_start || exit 1
check "DND survives a restart" cli_has "database show DND" "/DND/150"
check "trace on again" lyre_cli "dialplan set trace on"
check "*79 turns it off" lyre_cli "channel originate Local/dnd-off@test-harness application Wait 1"
check "... the DB entry is gone" wait_for cli_lacks "database show DND" "/DND/150"
# 101 is a SIP endpoint with no phone registered: Dial finds no contact.
check "calling phone 101, which is not registered" lyre_cli "channel originate Local/call101@test-harness application Wait 1"
check "... Dial rings SIP/101 from sub-phone" wait_for grep -q "sub-phone:3 Dial(SIP/101,20)" "$T/log/full"
check "... DIALSTATUS is CHANUNAVAIL" wait_for grep -q "sub-phone says CHANUNAVAIL for 101" "$T/log/full"
check "... and the caller goes to 101's voicemail" wait_for grep -qE "101@office:[0-9]+ VoiceMail\(101@office,u\)" "$T/log/full"
check "the time feature runs" lyre_cli "channel originate Local/*60@office application Wait 1"
check "... and names the office" wait_for grep -q "at Lyre Office" "$T/log/full"
check "no channel is left" wait_for cli_has "core show channels" "^0 active channels"
lyre_stop
