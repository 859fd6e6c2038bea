#!/bin/bash
# scripts/test-all.sh - install, build and run every test; what CI runs.
#
#  1. packages (scripts/install-deps.sh --test)
#  2. gcc build with -Werror           (no warnings under gcc)
#  3. clang build with -Werror, AddressSanitizer and UBSan:
#     unit tests (make check) and the integration tests with real peers
#  4. clang libFuzzer build: each fuzz target runs FUZZ_SECONDS (default 15)
# Ends with "N passed, N failed" and a non-zero exit on any failure.
# Build folders: _build/{gcc,asan,fuzz} (override with BUILD_ROOT).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
root=${BUILD_ROOT:-$top/_build}
jobs=$(nproc)
passed=0 failed=0 skipped=0

note() { printf '\n=== %s\n' "$*"; }
count() { passed=$((passed + $1)) failed=$((failed + $2)) skipped=$((skipped + ${3:-0})); }
step_fail() { echo "not ok - $1"; count 0 1; }
step_ok() { echo "ok - $1"; count 1 0; }

build() {	# build NAME CC [configure args...]
	local name=$1 cc=$2; shift 2
	mkdir -p "$root/$name"
	( cd "$root/$name" && CC=$cc "$top/configure" -q "$@" >configure.log 2>&1 &&
	  make -j"$jobs" >make.log 2>&1 ) ||
	{ tail -30 "$root/$name/configure.log" "$root/$name/make.log" 2>/dev/null; return 1; }
	# Any warning in the log is a failure even where -Werror did not apply.
	if grep -E 'warning:' "$root/$name/make.log" | grep -v '^ar: ' | head -5 | grep -q .; then
		grep -E 'warning:' "$root/$name/make.log" | head -10; return 1
	fi
}

note "packages"
scripts/install-deps.sh --test || { echo "not ok - install packages"; echo "0 passed, 1 failed"; exit 1; }
note "autoreconf"
autoreconf -fi >"$top/autoreconf.log" 2>&1 || { cat autoreconf.log; echo "0 passed, 1 failed"; exit 1; }

note "gcc -Wall -Wextra -Werror build"
if build gcc gcc --enable-werror; then step_ok "gcc build without warnings"
else step_fail "gcc build without warnings"; fi

note "clang ASan+UBSan build"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1
if build asan clang --enable-werror --enable-sanitizers; then
	step_ok "clang build without warnings (ASan+UBSan)"
	note "unit tests (ASan+UBSan)"
	make -C "$root/asan" -j"$jobs" check >"$root/asan/check.log" 2>&1
	grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP):' "$root/asan/check.log"
	p=$(grep -cE '^PASS:' "$root/asan/check.log")
	f=$(grep -cE '^(FAIL|ERROR|XPASS):' "$root/asan/check.log")
	s=$(grep -cE '^SKIP:' "$root/asan/check.log")
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		tail -30 "$root/asan/check.log"; f=1	# nothing ran: make check itself broke
	fi
	for log in $(find "$root/asan/tests" -name '*.log' 2>/dev/null); do
		grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log" >/dev/null &&
			{ echo "# sanitizer report in $log:"; grep -A20 -E 'Sanitizer|runtime error' "$log" | head -40; }
	done
	count "$p" "$f" "$s"
	note "integration tests (ASan+UBSan, real peers)"
	tests/integration/run --build "$root/asan" | tee "$root/asan/integration.log"
	line=$(grep -E '^integration: ' "$root/asan/integration.log" | tail -1)
	if [ -n "$line" ]; then
		count "$(awk '{print $2}' <<<"$line")" "$(awk '{print $4}' <<<"$line")" "$(awk '{print $6}' <<<"$line")"
	else
		step_fail "integration runner finished"
	fi
else
	step_fail "clang build without warnings (ASan+UBSan)"
fi

note "fuzzing (libFuzzer, ${FUZZ_SECONDS:-15} s per target)"
if build fuzz clang --enable-werror --enable-fuzzing; then
	tests/fuzz/run-fuzzers.sh "$root/fuzz" "${FUZZ_SECONDS:-15}" | tee "$root/fuzz/fuzz.log"
	count "$(grep -cE '^ok ' "$root/fuzz/fuzz.log")" "$(grep -cE '^not ok' "$root/fuzz/fuzz.log")"
else
	step_fail "fuzz build"
fi

echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
