# The dialplan in the running daemon: load and show it, run calls through
# Local channels from the console with the trace on, reload atomically.
lyre_system
cp "$TEST_DIR/etc/extensions.conf" "$ETC/"
# Keep the endless-Goto guard small so the test is quick.
sed -i 's/^\[options\]/[options]\nmaxpriorities = 500/' "$ETC/lyre.conf"
expect_errors 'maxpriorities|priorities|extensions\.conf|NoSuchApp'
lyre_start || exit 1

check "dialplan show lists the office context" cli_has "dialplan show office" "'100' =>"
check "dialplan show names the include" grep -qE "Include => +'?features" "$T/cli.last"
check "... and shows the included context" grep -q "\[ Included context 'features'" "$T/cli.last"
check "dialplan show of one extension" cli_has "dialplan show 300@office" "Goto\(loop\)"
check "core show application documents Gosub" cli_has "core show application Gosub" "Synopsis"
check "core show function documents LEN" cli_has "core show function LEN" "Synopsis"
check "dialplan set trace on" lyre_cli "dialplan set trace on"

check "channel originate ... application" lyre_cli "channel originate Local/100@office application Wait 1"
check "the call ran Gosub and came back" wait_for grep -q "Trace .* 100@office:4 Set(RESULT=100-world-Lyre Test)" "$T/log/full"
check "GotoIf took the long branch" wait_for grep -q "Trace .* 100@office:9 Hello(100-world-Lyre Test)" "$T/log/full"
check "the h extension ran at hangup" wait_for grep -q "Trace .* h@office:1 Set(HUNG=yes)" "$T/log/full"

check "channel originate ... extension" lyre_cli "channel originate Local/250@office extension 500@features"
check "the While loop ran three times" wait_for grep -q "Trace .* 250@office:6 Verbose(1,loop ended at 3)" "$T/log/full"
check "the other half ran 500@features" wait_for grep -q "Trace .* 500@features:1 Answer()" "$T/log/full"
check "Hangup(17) ended the loop call" wait_for grep -q "Trace .* 250@office:7 Hangup(17)" "$T/log/full"

check "an endless Goto loop" lyre_cli "channel originate Local/300@office application Wait 1"
check "... is stopped by maxpriorities" wait_for grep -qiE "maxpriorities|500 priorities" "$T/log/full"
check "no channel is left over" wait_for cli_has "core show channels" "^0 active channels"

cp "$ETC/extensions.conf" "$T/extensions.good"
printf '[office]\nexten => 100,1,NoOp(\n' > "$ETC/extensions.conf"
if lyre_cli "dialplan reload"; then fail "a broken extensions.conf is refused"
else ok "a broken extensions.conf is refused"; fi
check "the error names extensions.conf and the line" grep -q "extensions.conf:2" "$T/cli.last"
check "the old dialplan keeps running" cli_has "dialplan show office" "'100' =>"
printf '[office]\nexten => 700,1,NoSuchApp()\n' > "$ETC/extensions.conf"
check "a good file reloads" lyre_cli "dialplan reload"
check "the new plan replaced the old" cli_lacks "dialplan show office" "'100' =>"
check "calling an unknown application" lyre_cli "channel originate Local/700@office application Wait 1"
check "... is logged with file and line" wait_for grep -qE "NoSuchApp.*extensions\.conf:2|extensions\.conf:2.*NoSuchApp" "$T/log/full"
check "... and the call hangs up" wait_for cli_has "core show channels" "^0 active channels"
lyre_stop
