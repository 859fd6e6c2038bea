#!/bin/bash
# bench/playback.sh - concurrent callers hearing Playback().
#
# Builds an optimised tree (_build/bench, gcc -O2; or LYRE_BENCH_BUILD=DIR, an
# already built tree), installs it into a temp folder and, inside a private
# network namespace, starts Lyre on 127.0.0.1:5060 with a trunk for any
# 127.0.0.1 caller and the extension
#     exten => _X.,1,Answer()  then  Playback(PROMPT) in a loop
# (PROMPT default moh/lyre-stroll: 27 s of 8 kHz 16-bit WAV, so every frame
# is translated to PCMU and every caller reopens the file now and then).
# For each N in CONC (default "200 1000 3000"), against a freshly started
# daemon:
#   - sipp (the shared harness's uac_call.xml: INVITE, ACK, hold, BYE; it
#     sends no RTP, and the RTP Lyre sends it lands on its unread media
#     socket 6000) ramps N - SAMPLE calls at RAMP/s (default 200);
#   - once they are up, a second sipp adds SAMPLE calls (default 20) whose
#     SDP names media port 7000;
#   - over a steady window of WINDOW s (default 15) with all N calls up it
#     measures Lyre's CPU (% of one core), its largest RSS, the UDP
#     datagrams sent in the namespace (= Lyre's RTP: sipp sends no media)
#     and those reaching the main callers' media socket;
#   - then, still with all N calls up, rtp_spacing.py receives the RTP
#     sent to port 7000 for CAPTURE s (default 8) with kernel time stamps:
#     the sampled streams' packet spacing (inter-arrival p1/p50/p99/max,
#     share within 20 +/- 2 ms).  It runs after the CPU window, so its own
#     CPU does not count as Lyre's, but it shares the CPUs with the load.
# A step "keeps up" when Lyre sent at least 99 % of the 50 packets a second
# per caller; callers per core is only meaningful for a step that kept up.
# The ladder stops at the first N whose calls did not all come up.
# REALTIME (default no) is rtp.conf's realtime: yes runs the media workers
# SCHED_RR, which keeps the spacing on a machine busy with other work.
# PERF=FILE records a perf call-graph profile of the daemon during each
# window (FILE.N).  VERBOSE (default 0) is the daemon's verbose level.
# Bounded: each step takes N/RAMP + WINDOW + about 20 s; the default ladder
# runs about 2 minutes.  Target (issue 6): >= 3,000 callers per core with
# the p99 spacing within 20 +/- 2 ms (Asterisk 20 on this box: 200 callers
# at 55 % of a core).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_enter "$0" "$@"

CONC=${CONC:-200 1000 3000}
RAMP=${RAMP:-200}
SAMPLE=${SAMPLE:-20}
WINDOW=${WINDOW:-15}
CAPTURE=${CAPTURE:-8}
PROMPT=${PROMPT:-moh/lyre-stroll}
VERBOSE=${VERBOSE:-0}
REALTIME=${REALTIME:-no}
UAC_XML=$SHARED/bench/scenarios/uac_call.xml
etc=$WORK/etc
mkdir -p "$etc"
command -v sipp >/dev/null || { echo "sipp not found (apt-get install sip-tester)" >&2; exit 2; }
# The sample calls' SDP names port 7000, where rtp_spacing.py listens.
sed 's/^\( *m=audio \)\[media_port\]/\17000/' "$UAC_XML" >"$WORK/uac_sample.xml"
grep -q 'm=audio 7000' "$WORK/uac_sample.xml" || { echo "cannot make the sample scenario" >&2; exit 2; }

# The office lyre.conf and modules.conf, every directory inside $WORK.
cp "$top"/dialplans/office/lyre.conf "$top"/dialplans/office/modules.conf "$etc"/
sed -i '/^\[directories\]/,/^\[/{/^;/d}' "$etc/lyre.conf"
sed -i "s|^\[directories\]|[directories]\nmoduledir = $MODDIR\nsounddir = $top/sounds\nspooldir = $WORK/spool\nstatedir = $WORK/state\nlogdir = $WORK/log\nrundir = $WORK/run\ndocdir = $DOCDIR|" "$etc/lyre.conf"
sed -i "s|^verbose *=.*|verbose = $VERBOSE|" "$etc/lyre.conf"
printf '[general]\ndateformat = %%F %%T\n\n[logfiles]\nmessages => notice,warning,error\n' >"$etc/logger.conf"
printf '[general]\nrtpstart = 10000\nrtpend = 60000\nstrictrtp = yes\nprobation = 4\nworkers = 0\nrealtime = %s\n' "$REALTIME" >"$etc/rtp.conf"
{
	printf '[general]\nrealm = bench\nauth_algorithms = md5\n\n'
	printf '[udp]\ntype = transport\nprotocol = udp\nbind = 127.0.0.1:5060\n\n'
	printf '[caller]\ntype = trunk\nhost = 127.0.0.1\ncontext = bench\n'
} >"$etc/sip.conf"
# A missing prompt ends the call instead of spinning on Goto.
cat >"$etc/extensions.conf" <<EOF
[bench]
exten => _X.,1,Answer()
 same => n(loop),Playback($PROMPT)
 same => n,GotoIf(\$["\${PLAYBACKSTATUS}" = "SUCCESS"]?loop)
 same => n,Hangup()
EOF

pid=
start_lyre() {
	"$BIN" -C "$etc"
	pid=$(cat "$WORK/run/lyre.pid")
	sleep 2
}
stop_lyre() {
	[ -n "$pid" ] || return 0
	"$BIN" -C "$etc" -rx "core stop now" >/dev/null 2>&1 || true
	for _ in $(seq 250); do kill -0 "$pid" 2>/dev/null || { pid=; return 0; }; sleep 0.02; done
	kill -9 "$pid"
	pid=
}
bg=()
cleanup() {
	for p in "${bg[@]}"; do kill "$p" 2>/dev/null || true; done
	stop_lyre
}
trap cleanup EXIT
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0; }
udp_out() { awk '/^Udp:/ {n++; if (n == 2) print $5}' /proc/net/snmp; }
# Datagrams that reached the main callers' media socket (6000): sipp does
# not read them, so once the buffer is full the kernel counts each as a drop.
media_rx() { awk '$2 == "0100007F:1770" {d += $13} END {print d + 0}' /proc/net/udp; }
channels() { "$BIN" -C "$etc" -rx "core show channels count" 2>/dev/null | awk '/active channel/ {print $1}'; }
ms() { date +%s%3N; }
# ns the media workers ran and waited for a CPU (schedstat): a worker that
# waits long for a CPU sends late, whatever Lyre does - the machine's load.
worker_sched() {
	local f
	f=$(grep -l '^rtp-worker' /proc/"$pid"/task/*/comm 2>/dev/null | sed 's|comm$|schedstat|')
	# shellcheck disable=SC2086
	[ -n "$f" ] && awk '{run += $1; wait += $2} END {printf "%.0f %.0f\n", run, wait}' $f || echo "0 0"
}

# $1 tag $2 local SIP port $3 media port $4 calls $5 rate $6 hold (ms) $7 scenario
sipp_uac() {
	sipp 127.0.0.1:5060 -sf "$7" -s 1000 -i 127.0.0.1 -p "$2" -mi 127.0.0.1 -mp "$3" \
		-r "$5" -m "$4" -l "$4" -d "$6" -nostdin -timeout 300 -recv_timeout 20000 \
		-max_recv_loops 10000 -max_sched_loops 10000 -trace_stat -stf "$WORK/$1.stat.csv" \
		-fd 5 -trace_err -error_file "$WORK/$1.err.log" >"$WORK/$1.out" 2>&1 &
}
statcol() { awk -F';' -v c="$2" 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == c) k = i; next} {v = $k} END {print v + 0}' "$1" 2>/dev/null || echo 0; }

# One step: N concurrent callers.  Prints one line; returns 1 when not all
# calls came up (the ladder stops).
step() {
	local n=$1 main=$(($1 - SAMPLE)) ramp_s hold_ms t0 c0 c1 s0 s1 u0 u1 m0 m1 t1 rmax=0 up ok
	local perf_pid= main_pid sample_pid r wr0 ww0 wr1 ww1
	[ "$main" -ge 0 ] || main=0
	ramp_s=$(( (main + RAMP - 1) / RAMP ))
	# main calls stay up until the sample calls and the window are over
	hold_ms=$(( (ramp_s + WINDOW + CAPTURE + 22) * 1000 ))
	start_lyre
	echo "== $n callers: lyre pid $pid, idle rss $(rss_kb) kB, rtp.conf realtime = $REALTIME"
	sipp_uac main 5061 6000 "$main" "$RAMP" "$hold_ms" "$UAC_XML"
	main_pid=$!
	bg+=("$main_pid")
	sleep $((ramp_s + 2))
	sipp_uac sample 5063 6200 "$SAMPLE" "$SAMPLE" $(((WINDOW + CAPTURE + 15) * 1000)) "$WORK/uac_sample.xml"
	sample_pid=$!
	bg+=("$sample_pid")
	sleep 3	# sample calls up
	up=$(channels)
	if [ -n "${PERF:-}" ]; then
		perf record -q ${PERF_OPTS:--g} -p "$pid" -o "$PERF.$n" -- sleep "$WINDOW" >/dev/null 2>&1 &
		perf_pid=$!
	fi
	t0=$(ms) c0=$(ticks "$pid") s0=$(ticks "$main_pid") u0=$(udp_out) m0=$(media_rx)
	read -r wr0 ww0 <<<"$(worker_sched)"
	for _ in $(seq "$WINDOW"); do
		sleep 1
		r=$(rss_kb)
		[ "$r" -gt "$rmax" ] && rmax=$r
	done
	t1=$(ms) c1=$(ticks "$pid") s1=$(ticks "$main_pid") u1=$(udp_out) m1=$(media_rx)
	read -r wr1 ww1 <<<"$(worker_sched)"
	[ -n "$perf_pid" ] && { wait "$perf_pid" 2>/dev/null || true; echo "perf profile: $PERF.$n"; }
	echo "receiver from $(date +%T.%N)" >"$WORK/spacing.$n.log"
	python3 "$top/bench/rtp_spacing.py" 7000 "$CAPTURE" 1 >"$WORK/spacing.$n" 2>>"$WORK/spacing.$n.log" || true
	echo "receiver until $(date +%T.%N)" >>"$WORK/spacing.$n.log"
	wait "$sample_pid" 2>/dev/null || true
	wait "$main_pid" 2>/dev/null || true
	bg=()
	ok=$(( $(statcol "$WORK/main.stat.csv" 'SuccessfulCall(C)') + $(statcol "$WORK/sample.stat.csv" 'SuccessfulCall(C)') ))
	awk -v n="$n" -v up="${up:-0}" -v ok="$ok" -v hz="$(getconf CLK_TCK)" -v d="$((t1 - t0))" \
		-v c="$((c1 - c0))" -v s="$((s1 - s0))" -v u="$((u1 - u0))" -v m="$((m1 - m0))" -v r="$rmax" -v smp="$SAMPLE" 'BEGIN {
		d /= 1000; cpu = 100 * c / hz / d
		printf "callers %d (up %d, completed %d)  lyre cpu %.1f %% of a core (%.0f callers/core, %.2f us CPU per packet)  rss max %.1f MB  lyre sent %.0f pkt/s (expected %d; at the main callers socket %.0f of %d): %s  sipp %.1f %%\n",
			n, up, ok, cpu, (cpu > 0 ? n * 100 / cpu : 0), (u > 0 ? c / hz * 1e6 / u : 0), r / 1024, u / d, 50 * n, m / d, 50 * (n - smp),
			(u / d >= 0.99 * 50 * n ? "kept up" : "DID NOT KEEP UP"), 100 * s / hz / d }'
	awk -v r="$((wr1 - wr0))" -v w="$((ww1 - ww0))" -v d="$((t1 - t0))" 'BEGIN {
		printf "media workers: ran %.1f %% of a core, waited for a CPU %.1f ms per second (the load of the machine)\n", r / d / 1e4, w / d / 1e3 }'
	echo "sampled RTP ($SAMPLE calls to port 7000): $(cat "$WORK/spacing.$n")"
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "LYRE DIED during the $n step"
		pid=
		return 1
	fi
	stop_lyre
	[ "${up:-0}" -ge "$n" ] && [ "$ok" -ge "$n" ]
}

echo "lyre Playback: sipp callers -> lyre Answer()+Playback($PROMPT), $(nproc) cores shared with sipp, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%F %T') UTC"
for n in $CONC; do
	step "$n" || { echo "stop: not all $n calls came up and completed"; break; }
done
echo "(target: >= 3000 callers per core, p99 spacing within 20 +/- 2 ms; Asterisk 20 on this box: 200 callers at 55 % of a core)"
