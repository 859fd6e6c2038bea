#!/bin/bash
# bench/sip-icount.sh - instructions Lyre executes per B2BUA call, counted
# by valgrind's callgrind: a measure of the daemon's own work that does not
# move with the speed of the machine, for comparing two builds on a VM
# whose CPU time per call varies by 20-30 % over a day (bench/README.md).
#
# Same system as sip-calls.sh (b2bua-conf.sh): sipp UAC -> Lyre
# Dial(SIP/uas/...) -> sipp UAS, answered and hung up at once.  Lyre runs
# under callgrind with instrumentation off while it starts; it is
# switched on for CALLS calls (default 300) placed at RATE calls/s (default
# 30: valgrind runs the daemon ~50 times slower), dumped, and the daemon
# stopped.  Prints instructions per call (user space only: the kernel's
# share - system calls, wake-ups - is not counted; `perf stat` in
# bench/README.md's recipes counts those) and the functions that executed
# the most, self and inclusive.  TOP (default 25) sets how many.
# Builds like the other scripts (_build/bench, or LYRE_BENCH_BUILD=DIR).
# Bounded: the sipp run stops after 120 s, the whole script in ~3 minutes.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_enter "$0" "$@"

BENCH_SH=${BENCH_SH:-$SHARED/bench/bench.sh}
CALLS=${CALLS:-300}
RATE=${RATE:-30}
TOP=${TOP:-25}
VERBOSE=${VERBOSE:-0}
command -v valgrind >/dev/null || { echo "valgrind not found (scripts/install-deps.sh --test installs it)" >&2; exit 2; }
etc=$WORK/etc
source "$(dirname "$0")/b2bua-conf.sh"
write_b2bua_conf "$etc"
out=$WORK/callgrind.out

valgrind -q --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" \
	"$BIN" -C "$etc" -f >"$WORK/valgrind.log" 2>&1 &
vg=$!
stop() { kill "$vg" 2>/dev/null || true; wait "$vg" 2>/dev/null || true; }
trap stop EXIT
for _ in $(seq 600); do [ -s "$WORK/run/lyre.pid" ] && break; sleep 0.1; done
[ -s "$WORK/run/lyre.pid" ] || { echo "lyre did not start under valgrind:"; cat "$WORK/valgrind.log"; exit 1; }
sleep 3
callgrind_control -i on "$vg" >/dev/null
dur=$(( (CALLS + RATE - 1) / RATE ))
SERVER_PID=$vg DURATION=$dur MAX_RUN_S=120 TOTAL_MAX_S=150 OUTDIR=$WORK/harness \
	"$BENCH_SH" rate 1000 "$RATE" >"$WORK/harness.log" 2>&1 || true
sleep 2	# the last BYEs' transactions
callgrind_control -d "$vg" >/dev/null
callgrind_control -i off "$vg" >/dev/null
ok=$(awk -F'\t' 'NR > 1 && $1 == "rate" {print $4}' "$WORK/harness/summary.tsv" 2>/dev/null | tail -1)
"$BIN" -C "$etc" -rx "core stop now" >/dev/null 2>&1 || true
for _ in $(seq 300); do kill -0 "$vg" 2>/dev/null || break; sleep 0.1; done
dump=$out.1	# the dump asked for above (part 1); $out is what ran after it
if [ -z "${ok:-}" ] || [ "$ok" -eq 0 ]; then
	echo "no successful call; harness log:"; tail -20 "$WORK/harness.log"; exit 1
fi
total=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ && !t {t = $1; gsub(",", "", t)} END {print t}')
echo "lyre SIP B2BUA under callgrind, $(date -u +%F): $ok calls at $RATE/s"
awk -v t="$total" -v n="$ok" 'BEGIN {printf "instructions per call: %.0f (%d over %d calls)\n", t / n, t, n}'
# The TOP functions of callgrind_annotate's list, per call.  A function
# shows twice when its code was compiled in two objects' views (the source
# path as built, and as installed): the repeat is skipped.
top_per_call() {
	callgrind_annotate --threshold=100 "$@" "$dump" 2>/dev/null | awk -v n="$ok" -v top="$TOP" -v src="$top/" '
		/^-+$/ {sec++; next}
		sec >= 3 && NF >= 2 && $1 ~ /^[0-9,]+$/ && shown < top {
			v = $1; gsub(",", "", v); $1 = ""; name = $0
			sub(/ \[[^]]*\]$/, "", name); sub(src, "", name)
			if (v == last_v && name == last_name) next
			last_v = v; last_name = name
			printf "%10.0f %s\n", v / n, name; shown++ }'
}
echo "-- most instructions, self (per call):"
top_per_call
echo "-- most instructions, inclusive (per call):"
top_per_call --inclusive=yes
