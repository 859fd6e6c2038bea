# The daemon starts on the office system, answers its console, lists its
# modules, fails bad commands with a non-zero exit, and stops gracefully.
lyre_system
lyre_start || exit 1

check "module show lists the office modules" cli_has "module show" "app_hello"
check "module show lists codec_g711 and codec_slin" \
	bash -c "grep -q codec_g711 '$T/cli.last' && grep -q codec_slin '$T/cli.last'"
check "module show counts the loaded modules" grep -qE '^[0-9]+ modules? loaded' "$T/cli.last"
check "module show like filters" cli_lacks "module show like g711" "app_hello"
check "core show version names Lyre" cli_has "core show version" "^Lyre [0-9]+\.[0-9]+"
check "core show uptime" cli_has "core show uptime" "System uptime:"
check "core show settings shows the test's directories" cli_has "core show settings" "$T/log"
check "core show threads lists the main thread" cli_has "core show threads" "main"
check "core show channels on an idle system" cli_has "core show channels" "0 active channels"
check "help lists commands" cli_has "help" "module load"
check "help with a prefix narrows the list" cli_lacks "help module" "core show version"

if lyre_cli "core show nonsense"; then fail "an unknown command exits non-zero"
else ok "an unknown command exits non-zero"; fi
check "an unknown command says so" grep -qi "no such command" "$T/cli.last"
if lyre_cli "core show version extra words"; then fail "wrong arguments exit non-zero"
else ok "wrong arguments exit non-zero"; fi
check "wrong arguments print the usage" grep -q "Usage:" "$T/cli.last"

check "the console socket is mode 0660" test "$(stat -c %a "$T/run/lyre.ctl")" = 660
check "the pid file names the daemon" test "$(cat "$T/run/lyre.pid")" = "$LYRE_PID"
check "the messages log file was written" grep -q "ready" "$T/log/messages"
check "log lines carry time, level, thread id and file:line" \
	grep -qE '^\[[0-9-]+ [0-9:.]+\] NOTICE\[[0-9]+\] core/[a-z_]+\.c:[0-9]+ ' "$T/log/messages"

lyre_stop
check "the console socket is removed at exit" test ! -e "$T/run/lyre.ctl"
check "the pid file is removed at exit" test ! -e "$T/run/lyre.pid"
if "$LYRE_BIN" -C "$ETC" -rx "core show version" >"$T/norun.out" 2>&1; then
	fail "-rx without a daemon exits non-zero"
else
	ok "-rx without a daemon exits non-zero"
fi
check "-rx without a daemon explains why" grep -qi "unable to connect" "$T/norun.out"
