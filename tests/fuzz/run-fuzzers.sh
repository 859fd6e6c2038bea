#!/bin/sh
# run-fuzzers.sh - run every built libFuzzer target for a while with its seed corpus.
#
#   tests/fuzz/run-fuzzers.sh BUILDDIR [SECONDS]
#
# Each BUILDDIR/tests/fuzz/fuzz_<name> runs for SECONDS (default 20) on a
# copy of tests/fuzz/corpus/<name>/, so the source tree is never written.
# Prints "ok - fuzz_<name> (N runs)" or "not ok - ..." per target and exits
# non-zero if any target crashed, leaked or timed out; the failing input is
# kept and its path printed.
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 BUILDDIR [SECONDS]" >&2
	exit 2
fi
builddir=$1
seconds=${2:-20}
case $seconds in
''|*[!0-9]*) echo "$0: SECONDS must be a whole number, not '$seconds'" >&2; exit 2 ;;
esac
srcdir=$(cd "$(dirname "$0")" && pwd)

# The sanitizer's first lines say what and where; the tail of the log
# (shadow byte legends, stats) says little.
report() {
	if grep -q 'ERROR: \|runtime error:\|deadly signal\|Timeout\|out-of-memory' "$1"; then
		sed -n '/ERROR: \|runtime error:\|deadly signal\|Timeout\|out-of-memory/,/^SUMMARY:/p' "$1" |
			grep -v '^ *#[0-9]* 0x[0-9a-f]* in \(fuzzer::\|main\|__libc\|_start\)' |
			head -n 25 | sed 's/^/# /'
	else
		tail -n 25 "$1" | sed 's/^/# /'
	fi
}

total=0
failed=0
for bin in "$builddir"/tests/fuzz/fuzz_*; do
	# skip objects and anything else that is not a runnable program
	if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
		continue
	fi
	case $bin in *.o | *.c | *.sh) continue ;; esac
	target=$(basename "$bin")
	name=${target#fuzz_}
	total=$((total + 1))

	work=$(mktemp -d "${TMPDIR:-/tmp}/lyre-$target.XXXXXX") || exit 2
	mkdir "$work/corpus" "$work/artifacts"
	if [ -d "$srcdir/corpus/$name" ]; then
		cp -R "$srcdir/corpus/$name/." "$work/corpus/"
	else
		echo "# $target: no seed corpus in tests/fuzz/corpus/$name, starting empty"
	fi

	# -timeout: no input of a parser should take seconds; a hang is a bug
	"$bin" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)

	if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
		echo "ok - $target (${runs} runs)"
		rm -rf "$work"
	else
		failed=$((failed + 1))
		echo "not ok - $target (exit $rc${runs:+, $runs runs})"
		report "$work/log"
		for a in "$work"/artifacts/*; do
			[ -e "$a" ] && echo "# failing input kept: $a"
		done
		echo "# full log: $work/log"
	fi
done

if [ "$total" -eq 0 ]; then
	echo "not ok - no fuzz targets in $builddir/tests/fuzz" \
		"(configure with CC=clang --enable-fuzzing, then make)"
	exit 1
fi
echo "1..$total"
[ "$failed" -eq 0 ]
