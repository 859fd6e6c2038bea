# A reload whose files fail to parse names file and line and keeps the
# running configuration; the daemon goes on.
lyre_system
expect_errors 'hello\.conf|logger\.conf|reload failed'
lyre_start || exit 1

check "the greeting comes from hello.conf" cli_has "hello Alice" "^Hello, Alice!"
sed -i 's/^greeting = .*/greeting = Howdy/' "$ETC/hello.conf"
check "module reload app_hello succeeds" lyre_cli "module reload app_hello"
check "the new greeting is used" cli_has "hello Bob" "^Howdy, Bob!"

printf '[general\ngreeting = Broken\n' > "$ETC/hello.conf"
if lyre_cli "module reload app_hello"; then fail "reloading a broken hello.conf fails"
else ok "reloading a broken hello.conf fails"; fi
check "the failure names file:line" grep -q "hello.conf:1" "$T/cli.last"
check "the daemon still runs" lyre_cli "core show uptime"
check "the running greeting is kept" cli_has "hello Carol" "^Howdy, Carol!"

if lyre_cli "core reload"; then fail "core reload with a broken file reports failure"
else ok "core reload with a broken file reports failure"; fi
check "core reload names the broken file" grep -q "hello.conf:1" "$T/cli.last"

cp "$ETC/logger.conf" "$T/logger.good"
printf '[logfiles]\nmessages => notice\n#exec /bin/true\n' > "$ETC/logger.conf"
if lyre_cli "logger reload"; then fail "logger reload of a broken logger.conf fails"
else ok "logger reload of a broken logger.conf fails"; fi
check "the logger error names logger.conf:3" grep -q "logger.conf:3" "$T/cli.last"
lyre_cli "hello Dave" >/dev/null
check "logging into the old files goes on" wait_for grep -q "hello.conf" "$T/log/messages"

cp "$T/logger.good" "$ETC/logger.conf"
printf 'greeting-line-without-section\n' > "$ETC/hello.conf"
kill -HUP "$LYRE_PID"
check "SIGHUP with a broken file keeps the daemon running" wait_for lyre_cli "core show uptime"
check "after SIGHUP the running greeting is kept" cli_has "hello Erin" "^Howdy, Erin!"
printf '[general]\ngreeting = Hi\n' > "$ETC/hello.conf"
kill -HUP "$LYRE_PID"
check "SIGHUP reloads a good file" wait_for cli_has "hello Frank" "^Hi, Frank!"
lyre_stop
