#!/bin/bash
# bench/sip-register.sh [RATE...] - REGISTER with digest auth per second.
#
# Builds an optimised tree (_build/bench, gcc -O2; or LYRE_BENCH_BUILD=DIR, an
# already built tree), installs it into a temp folder and, inside a private
# network namespace, starts Lyre on 127.0.0.1:5060 with a generated sip.conf
# (endpoints 1000..1999, secret "pass", MD5 for sipp) and runs the shared
# harness's register mode (../shared/bench/bench.sh, or BENCH_SH=...) at
# each RATE (default 2000 5000 10000) for DURATION seconds (default 5).
# Prints the harness's rows and, per step: REGISTER/s achieved, Lyre's CPU
# (% of one core), its largest RSS, and sipp's CPU: near 100 % means sipp,
# not Lyre, is the limit.  Target: >= 10,000 REGISTER/s.
# Bounded: each sipp run <= 30 s, no step starts after 90 s, the daemon's
# stop waited for at most 5 s: the whole run stays under 2 minutes.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_enter "$0" "$@"

BENCH_SH=${BENCH_SH:-$SHARED/bench/bench.sh}
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(2000 5000 10000)
etc=$WORK/etc
mkdir -p "$etc"
cp "$top"/dialplans/office/*.conf "$etc"/
sed -i '/^\[directories\]/,/^\[/{/^;/d}' "$etc/lyre.conf"
sed -i "s|^\[directories\]|[directories]\nmoduledir = $MODDIR\nsounddir = $top/sounds\nspooldir = $WORK/spool\nstatedir = $WORK/state\nlogdir = $WORK/log\nrundir = $WORK/run\ndocdir = $DOCDIR|" "$etc/lyre.conf"
{
	printf '[general]\nrealm = bench\nauth_algorithms = md5\nmax_expiry = 3600\n\n'
	printf '[udp]\ntype = transport\nprotocol = udp\nbind = 127.0.0.1:5060\n\n'
	printf '[user](!)\ntype = endpoint\nsecret = pass\ncontext = office\n'
	for u in $(seq 1000 1999); do printf '[%s](user)\n' "$u"; done
} >"$etc/sip.conf"

"$BIN" -C "$etc"
pid=$(cat "$WORK/run/lyre.pid")
stop() {
	"$BIN" -C "$etc" -rx "core stop now" >/dev/null 2>&1 || true
	for _ in $(seq 250); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.02; done
	kill -9 "$pid"
}
trap stop EXIT

out=$WORK/bench
SERVER_PID=$pid DURATION=${DURATION:-5} MAX_RUN_S=30 TOTAL_MAX_S=90 OUTDIR=$out \
	"$BENCH_SH" register "${rates[@]}" >"$WORK/bench.log" 2>&1 || true
grep -v '^register' "$WORK/bench.log" | tail -5 || true
echo "lyre REGISTER+digest (401 then 200), 1000 users, $(nproc) cores shared with sipp"
awk -F'\t' 'NR > 1 && $1 == "register" {
	printf "target %6d/s  achieved %8.1f REGISTER/s  success %6.2f %%  lyre cpu %6.1f %%  rss %6d kb  sipp cpu %6.1f %% (of one core)\n",
		$2, $7, $6, $11, $13, $14 }' "$out/summary.tsv"
echo "(target: >= 10000/s; Asterisk 20 on this box: about 1,000-1,200/s)"
