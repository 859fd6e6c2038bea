# tests/integration/lib.sh - sourced by every integration test (test.sh).
#
# The runner (tests/integration/run) sets, before a test starts:
#   T            the test's own temp folder (everything it writes goes here)
#   TEST_DIR     the test's folder in the source tree (its configs, scenarios)
#   SRC_TOP      the source tree
#   LYRE_BIN     the staged (make install DESTDIR=...) lyre binary
#   LYRE_MODULEDIR, LYRE_DOCDIR, LYRE_INCLUDEDIR, LYRE_PKGCONFIGDIR, LYRE_STAGE_PREFIX
#   PORT_BASE    the first of 100 ports reserved for this test
# and runs the test inside its own network namespace (loopback only).
#
# A test prints TAP-like lines through check/ok/fail/skip; the runner counts
# them.  finish (called automatically at exit) stops the daemon if it still
# runs and fails the test when a daemon log holds an ERROR line that the
# test did not declare with expect_errors, or a sanitizer report.

set -u
CHECKS=0
FAILS=0
EXPECTED_ERRORS='^$'
LYRE_PID=
ETC=$T/etc

log() { printf '# %s\n' "$*"; }

ok()   { CHECKS=$((CHECKS + 1)); printf 'ok %d - %s\n' "$CHECKS" "$1"; }
fail() {
	CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1))
	printf 'not ok %d - %s\n' "$CHECKS" "$1"
	shift; [ $# -gt 0 ] && printf '#   %s\n' "$@"
	return 0
}

# check "description" command args...   - passes when the command succeeds
check() {
	local what=$1; shift
	if "$@" >"$T/check.out" 2>&1; then ok "$what"; else
		fail "$what" "command failed: $*" "$(head -c 2000 "$T/check.out")"
	fi
}

# skip_test "reason" - the whole test is skipped (a needed tool is missing)
skip_test() { printf 'ok - # SKIP %s\n' "$1"; exit 0; }
need_tool() { command -v "$1" >/dev/null 2>&1 || skip_test "$1 is not installed"; }

# Wait until "$@" succeeds, polling every 20 ms, at most $WAIT_S seconds.
wait_for() {
	local deadline=$(( $(date +%s%N) / 1000000 + ${WAIT_S:-10} * 1000 ))
	until "$@" >/dev/null 2>&1; do
		[ $(( $(date +%s%N) / 1000000 )) -ge $deadline ] && return 1
		sleep 0.02
	done
}

# Declare ERROR lines this test provokes on purpose (an extended regex).
expect_errors() { EXPECTED_ERRORS="$EXPECTED_ERRORS|$1"; }

# lyre_system [SRC]: copy a configuration (default: the office system) into
# $ETC and point every directory into $T, so nothing outside the test is
# touched.  Test-specific files in $TEST_DIR/etc override the copied ones.
lyre_system() {
	local src=${1:-$SRC_TOP/dialplans/office}
	mkdir -p "$ETC" "$T/modules"
	cp "$src"/*.conf "$ETC"/
	[ -d "$TEST_DIR/etc" ] && cp "$TEST_DIR"/etc/* "$ETC"/
	# Per-test module folder: the staged modules plus whatever the test adds.
	for m in "$LYRE_MODULEDIR"/*.so; do ln -sf "$m" "$T/modules/"; done
	local tmp; tmp=$(mktemp)
	grep -v -E '^\s*(moduledir|sounddir|spooldir|statedir|logdir|rundir|docdir)\s*=' \
		"$ETC/lyre.conf" 2>/dev/null | sed '/^\[directories\]/d' > "$tmp"
	{
		echo "[directories]"
		echo "moduledir = $T/modules"
		echo "sounddir = $SRC_TOP/sounds"
		echo "spooldir = $T/spool"
		echo "statedir = $T/state"
		echo "logdir = $T/log"
		echo "rundir = $T/run"
		echo "docdir = $LYRE_DOCDIR"
		cat "$tmp"
	} > "$ETC/lyre.conf"
	rm -f "$tmp"
	# Render placeholders in every config: @PORT_BASE@, @PORT+N@, @T@.
	local f
	for f in "$ETC"/*.conf; do
		perl -pi -e 's/\@PORT\+(\d+)\@/$ENV{PORT_BASE}+$1/ge; s/\@PORT_BASE\@/$ENV{PORT_BASE}/g; s/\@T\@/$ENV{T}/g' "$f"
	done
}

# lyre_start [extra args]: start the daemon in the foreground (output in
# $T/lyre.out) and wait until its console answers.
lyre_start() {
	"$LYRE_BIN" -C "$ETC" -f "$@" >"$T/lyre.out" 2>&1 &
	LYRE_PID=$!
	if ! wait_for "$LYRE_BIN" -C "$ETC" -rx "core show uptime"; then
		fail "lyre started and its console answered" "$(tail -20 "$T/lyre.out")"
		return 1
	fi
}

# lyre_cli "command" - run one console command; output in $CLI_OUT, returns its status.
CLI_OUT=
lyre_cli() {
	local rc=0
	CLI_OUT=$("$LYRE_BIN" -C "$ETC" -rx "$1" 2>&1) || rc=$?
	printf '%s\n' "$CLI_OUT" > "$T/cli.last"
	return $rc
}

# cli_has "command" "regex" - the command succeeds and its output matches.
cli_has() { lyre_cli "$1" && grep -qE -- "$2" <<<"$CLI_OUT"; }
cli_lacks() { lyre_cli "$1" && ! grep -qE -- "$2" <<<"$CLI_OUT"; }
# no_sip_channels - wait (bounded) until no SIP channel is left.
no_sip_channels() { wait_for cli_lacks "core show channels" "SIP/"; }

# Wait (bounded) for a pid to exit; sets EXIT_CODE.
EXIT_CODE=
wait_exit() {
	local pid=$1 n=0
	while kill -0 "$pid" 2>/dev/null; do
		n=$((n + 1)); [ $n -gt ${2:-500} ] && return 1
		sleep 0.02
	done
	wait "$pid" 2>/dev/null; EXIT_CODE=$?
	return 0
}

# lyre_stop: core stop gracefully; passes when the daemon exits 0.
lyre_stop() {
	[ -n "$LYRE_PID" ] || return 0
	lyre_cli "core stop gracefully" >/dev/null
	if wait_exit "$LYRE_PID"; then
		if [ "$EXIT_CODE" = 0 ]; then ok "daemon stopped cleanly (exit 0)"
		else fail "daemon stopped cleanly (exit 0)" "exit code $EXIT_CODE" "$(tail -20 "$T/lyre.out")"; fi
	else
		fail "daemon stopped within 10 s"; kill -9 "$LYRE_PID" 2>/dev/null
	fi
	LYRE_PID=
}

# Scan the daemon's output, its log files and sanitizer reports.
scan_logs() {
	local files=("$T/lyre.out") f bad
	for f in "$T"/log/*; do [ -f "$f" ] && files+=("$f"); done
	bad=$(grep -hE '\] ERROR\[' "${files[@]}" 2>/dev/null | grep -vE "$EXPECTED_ERRORS" | head -5)
	if [ -n "$bad" ]; then fail "no unexpected ERROR in the daemon log" "$bad"
	else ok "no unexpected ERROR in the daemon log"; fi
	bad=$(cat "$T"/sanitizer.* 2>/dev/null | head -c 3000)
	bad+=$(grep -hE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "${files[@]}" 2>/dev/null | head -5)
	if [ -n "$bad" ]; then fail "no sanitizer report" "$bad"
	else ok "no sanitizer report"; fi
}

finish() {
	if [ -n "$LYRE_PID" ] && kill -0 "$LYRE_PID" 2>/dev/null; then
		kill -TERM "$LYRE_PID"; wait_exit "$LYRE_PID" || kill -9 "$LYRE_PID"
	fi
	scan_logs
	[ "$FAILS" -eq 0 ]
}
trap finish EXIT

# Sanitizer reports of every process the test starts land in files the
# scan reads, even for daemons whose stderr is closed.
export ASAN_OPTIONS="detect_leaks=1:log_path=$T/sanitizer.asan:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:log_path=$T/sanitizer.ubsan:${UBSAN_OPTIONS:-}"
