# lyre without -f detaches once its console answers, keeps a pid file,
# drops root with -U/-G, reloads on SIGHUP and stops cleanly on SIGTERM.
lyre_system
expect_errors "another Lyre|already running"
id nobody >/dev/null 2>&1 || skip_test "no 'nobody' user to drop to"
# The unprivileged daemon must read its configuration and modules.
chmod -R a+rX "$T" "$LYRE_STAGE_PREFIX" 2>/dev/null
chmod a+rx "$(dirname "$T")"
chmod 1777 "$T"   # sanitizer reports of the unprivileged daemon land here

start=$(date +%s%N)
if "$LYRE_BIN" -C "$ETC" -U nobody -G nogroup >"$T/lyre.out" 2>&1; then
	ok "lyre returns 0 once the daemon is ready"
else
	fail "lyre returns 0 once the daemon is ready" "$(cat "$T/lyre.out")"; exit 1
fi
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
log "start-up took $elapsed ms"
check "the console answers at once" lyre_cli "core show uptime"
LYRE_PID=$(cat "$T/run/lyre.pid")
check "the pid file names a running process" kill -0 "$LYRE_PID"
check "the daemon runs as nobody" test "$(stat -c %U /proc/$LYRE_PID)" = nobody
check "core show settings reports the user it runs as" cli_has "core show settings" "Running as user: +nobody"
check "the console socket belongs to nobody" test "$(stat -c %U "$T/run/lyre.ctl")" = nobody
check "the console socket is mode 0660" test "$(stat -c %a "$T/run/lyre.ctl")" = 660
check "the daemon has no controlling terminal" \
	bash -c "test \"\$(awk '{print \$7}' /proc/$LYRE_PID/stat)\" = 0"

sed -i 's/^greeting = .*/greeting = Salut/' "$ETC/hello.conf"
kill -HUP "$LYRE_PID"
check "SIGHUP reloads the configuration" wait_for cli_has "hello" "^Salut, world!"
check "a second daemon on the same config is refused" \
	bash -c "! '$LYRE_BIN' -C '$ETC' -f > '$T/second.out' 2>&1"
check "... with a clear reason" grep -qi "running" "$T/second.out"

kill -TERM "$LYRE_PID"
n=0; while kill -0 "$LYRE_PID" 2>/dev/null && [ $n -lt 500 ]; do sleep 0.02; n=$((n + 1)); done
check "SIGTERM stops the daemon" bash -c "! kill -0 $LYRE_PID 2>/dev/null"
check "SIGTERM was logged as a clean stop" grep -q "Lyre ending" "$T/log/messages"
check "the pid file is gone" test ! -e "$T/run/lyre.pid"
LYRE_PID=
