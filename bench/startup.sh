#!/bin/bash
# bench/startup.sh [RUNS] - start-up time and idle memory of the office system.
#
# Builds an optimised tree (_build/bench, gcc -O2, no sanitizers), installs
# it into a temp folder and, inside a private network namespace, starts the
# daemon RUNS times (default 20).  Start-up is measured from exec until
# `lyre` returns, which happens when its console answers (the parent waits
# for the daemon to say it is ready).  Idle RSS is read from /proc after the
# daemon has been idle for 2 s.  Prints:
#   startup_ms  min=.. median=.. p90=.. max=..   (target < 100)
#   idle_rss_kb ..                                (target < 10240; Asterisk 20: 51 MB)
#   idle_cpu_pct .. (over 5 s idle)
# Bounded: at most 200 runs, each stop waited for at most 5 s.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs=${1:-20}; [ "$runs" -gt 200 ] && runs=200
bench_enter "$0" "$runs"

etc=$WORK/etc
mkdir -p "$etc"
cp "$top"/dialplans/office/*.conf "$etc"/
sed -i '/^\[directories\]/,/^\[/{/^;/d}' "$etc/lyre.conf"
sed -i "s|^\[directories\]|[directories]\nmoduledir = $MODDIR\nsounddir = $top/sounds\nspooldir = $WORK/spool\nstatedir = $WORK/state\nlogdir = $WORK/log\nrundir = $WORK/run\ndocdir = $DOCDIR|" "$etc/lyre.conf"

stop() {
	local pid; pid=$(cat "$WORK/run/lyre.pid")
	"$BIN" -C "$etc" -rx "core stop now" >/dev/null
	for _ in $(seq 250); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.02; done
	kill -9 "$pid"
}

times=()
for i in $(seq "$runs"); do
	t0=$(date +%s%N)
	"$BIN" -C "$etc"
	t1=$(date +%s%N)
	"$BIN" -C "$etc" -rx "core show uptime" >/dev/null
	times+=($(( (t1 - t0) / 1000 )))
	[ "$i" -lt "$runs" ] && stop
done
pid=$(cat "$WORK/run/lyre.pid")
sleep 2
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
[ -z "${SMAPS_OUT:-}" ] || cp "/proc/$pid/smaps" "$SMAPS_OUT"
ticks0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
sleep 5
ticks1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
modules=$("$BIN" -C "$etc" -rx "module show" | tail -1)
stop

sorted=($(printf '%s\n' "${times[@]}" | sort -n))
n=${#sorted[@]}
ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }
echo "lyre start-up, office system ($modules), $n runs"
echo "startup_ms  min=$(ms "${sorted[0]}") median=$(ms "${sorted[$((n / 2))]}") p90=$(ms "${sorted[$((n * 9 / 10))]}") max=$(ms "${sorted[$((n - 1))]}")   (target < 100)"
echo "idle_rss_kb $rss   (target < 10240; Asterisk 20 idle: 51 MB)"
echo "idle_cpu_pct $(awk -v t="$((ticks1 - ticks0))" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz / 5 * 100 }')   (over 5 s idle)"
