#!/bin/bash
# bench/confbridge.sh - the conference mixer under load (issue 8).
#
# Builds an optimised tree (as sip-calls.sh; LYRE_BENCH_BUILD=DIR for one
# already built), starts Lyre in a private network namespace with a trunk
# for any 127.0.0.1 caller into
#   exten => _X.,1,ConfBridge(${EXTEN},bench_bridge,bench_user)
# and drives it with sipp UAC calls that each stream PCMU (the shared kit's
# tone.ulaw, looped with rtp_stream) and send the conference name as the
# called number (an injection file), so every participant talks:
#   big N     one conference of N participants, for N in SIZES (default
#             "50 200 1000"): the mixer's time per tick with everyone
#             talking, then with all but 3 muted (a meeting: 3 talkers,
#             the rest listening, whose mix is encoded once);
#   rooms     ROOMS conferences (default 200) of 5 participants each: the
#             sum over rooms of the time per tick;
#   singles   SINGLES conferences (default 80) of one participant each:
#             Lyre's CPU (% of one core; Asterisk was reported at 72 %).
# Per step it prints: participants up, the mixer's average and longest
# time per tick (confbridge show mixer, over MEASURE s, default 10), the
# ticks that overran, the mixer thread's CPU and Lyre's whole CPU (% of one
# core, /proc), and the UDP datagrams sent per second in the namespace
# (Lyre's RTP and sipp's together).
# RAMP (calls/s, default 100).  STEPS="big rooms singles" picks steps.
# PERF=FILE records a perf call-graph profile of Lyre per figure (FILE.<label>).
# RT=N puts the mixer thread at SCHED_FIFO priority N (chrt), to tell the
# mixer's own cost from time lost to other processes on a busy machine.
# Bounded: each sipp run is killed after ramp + 2 * MEASURE + 40 s.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_enter "$0" "$@"

SIZES=${SIZES:-50 200 1000}
ROOMS=${ROOMS:-200}
SINGLES=${SINGLES:-80}
RAMP=${RAMP:-100}
MEASURE=${MEASURE:-10}
STEPS=${STEPS:-big rooms singles}
etc=$WORK/etc
mkdir -p "$etc" "$WORK/sipp"
HZ=$(getconf CLK_TCK)

cp "$top"/dialplans/office/lyre.conf "$top"/dialplans/office/modules.conf "$etc"/
sed -i '/^\[directories\]/,/^\[/{/^;/d}' "$etc/lyre.conf"
sed -i "s|^\[directories\]|[directories]\nmoduledir = $MODDIR\nsounddir = $top/sounds\nspooldir = $WORK/spool\nstatedir = $WORK/state\nlogdir = $WORK/log\nrundir = $WORK/run\ndocdir = $DOCDIR|" "$etc/lyre.conf"
sed -i "s|^verbose *=.*|verbose = 0|" "$etc/lyre.conf"
printf '[general]\ndateformat = %%F %%T\n\n[logfiles]\nmessages => notice,warning,error\n' >"$etc/logger.conf"
printf '[general]\nrtpstart = 10000\nrtpend = 60000\nstrictrtp = yes\nprobation = 4\nworkers = 0\n' >"$etc/rtp.conf"
printf '[general]\nrealm = bench\n\n[udp]\ntype = transport\nprotocol = udp\nbind = 127.0.0.1:5060\n\n[caller]\ntype = trunk\nhost = 127.0.0.1\ncontext = bench\n' >"$etc/sip.conf"
printf '[bench]\nexten => _X.,1,ConfBridge(${EXTEN},bench_bridge,bench_user)\n' >"$etc/extensions.conf"
printf '[bench_bridge]\ntype = bridge\n\n[bench_user]\ntype = user\nquiet = yes\n' >"$etc/confbridge.conf"

# The shared UAC scenario, calling [field0] and streaming the tone.
cp "$SHARED/bench/media/tone.ulaw" "$WORK/sipp/"
sed -e 's|<!--RTP_ACTION-->|<nop><action><exec rtp_stream="tone.ulaw,-1,0"/></action></nop>|' \
    -e 's|\[service\]|[field0]|g' "$SHARED/bench/scenarios/uac_call.xml" >"$WORK/sipp/uac.xml"

pid=
sipp_pid=
cli() { "$BIN" -C "$etc" -rx "$1" 2>/dev/null || true; }
start_lyre() {
	"$BIN" -C "$etc"
	pid=$(cat "$WORK/run/lyre.pid")
	sleep 2
}
stop_all() {
	[ -n "$sipp_pid" ] && kill "$sipp_pid" 2>/dev/null || true
	[ -n "$pid" ] || return 0
	"$BIN" -C "$etc" -rx "core stop now" >/dev/null 2>&1 || true
	for _ in $(seq 250); do kill -0 "$pid" 2>/dev/null || { pid=; return 0; }; sleep 0.02; done
	kill -9 "$pid"
	pid=
}
trap stop_all EXIT

# CPU ticks of Lyre and of its mixer thread; RTP packets sent (all sessions).
cpu_all() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
cpu_mixer() {
	local t
	for t in /proc/$pid/task/*; do
		if [ "$(cat "$t/comm" 2>/dev/null)" = confbridge-mix ]; then
			awk '{print $14 + $15}' "$t/stat"
			return
		fi
	done
	echo 0
}
udp_out() { nstat -az UdpOutDatagrams 2>/dev/null | awk '$1 == "UdpOutDatagrams" {print $2}'; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
users_up() { cli "confbridge list" | awk '$2 ~ /^[0-9]+$/ { n += $2 } END { print n + 0 }'; }

# calls CSV N: start N sipp calls whose numbers come from CSV.
calls() {
	local csv=$1 n=$2 ramp_s hold
	ramp_s=$(( (n + RAMP - 1) / RAMP ))
	hold=$(( (ramp_s + 2 * MEASURE + 15) * 1000 ))
	( cd "$WORK/sipp" && exec timeout -k 5 $((ramp_s + 2 * MEASURE + 40)) \
		sipp 127.0.0.1:5060 -sf uac.xml -inf "$csv" -r "$RAMP" -l "$n" -m "$n" -d "$hold" \
		-i 127.0.0.1 -p 5061 -mi 127.0.0.1 -mp 6000 -nostdin -timeout $((ramp_s + 2 * MEASURE + 35)) \
		>"$WORK/sipp/out.log" 2>&1 ) &
	sipp_pid=$!
	for _ in $(seq $((ramp_s * 10 + 150))); do
		[ "$(users_up)" -ge "$n" ] && break
		sleep 0.1
	done
	sleep 2	# let the jitter buffers and talk flags settle
}
calls_end() {
	wait "$sipp_pid" 2>/dev/null || true
	sipp_pid=
	for _ in $(seq 200); do [ "$(users_up)" = 0 ] && return; sleep 0.1; done
}

# measure LABEL: MEASURE s of the mixer's figures, summed over conferences.
measure() {
	local label=$1 c0 m0 u0 t0 c1 m1 u1 t1 up
	up=$(users_up)
	cli "confbridge reset mixer" >/dev/null
	c0=$(cpu_all); m0=$(cpu_mixer); u0=$(udp_out); t0=$(now_ms)
	if [ -n "${PERF:-}" ]; then
		perf record -q -g -p "$pid" -o "$PERF.${label// /_}" -- sleep "$MEASURE" >/dev/null 2>&1
	else
		sleep "$MEASURE"
	fi
	c1=$(cpu_all); m1=$(cpu_mixer); u1=$(udp_out); t1=$(now_ms)
	cli "confbridge show mixer" | awk -v label="$label" -v up="$up" -v hz="$HZ" \
		-v c="$((c1 - c0))" -v m="$((m1 - m0))" -v u="$((u1 - u0))" -v ms="$((t1 - t0))" '
		NR > 1 && $3 ~ /^[0-9]+$/ { rooms++; ticks += $3; tot += $3 * $4; if ($6 > max) max = $6; over += $7 }
		END {
			avg = rooms ? tot / (ticks / rooms) : 0	# summed over rooms, per tick
			printf "%-28s %5d up %4d rooms  mixer %8.1f us/tick (longest %6d us)  overruns %d  mixer thread %5.1f %%  lyre %5.1f %%  udp out (lyre+sipp) %7.0f pkt/s\n",
				label, up, rooms, avg, max, over, 100 * m / hz / (ms / 1000),
				100 * c / hz / (ms / 1000), u * 1000 / ms
		}'
}

csv_same() { { echo SEQUENTIAL; for _ in $(seq "$2"); do echo "$1;"; done; } >"$WORK/sipp/$3"; }

start_lyre
echo "== lyre pid $pid; ${MEASURE} s per figure; every participant sends a PCMU tone"
if [ -n "${RT:-}" ]; then	# the mixer thread at real-time priority (chrt -f)
	for t in /proc/$pid/task/*; do
		[ "$(cat "$t/comm")" = confbridge-mix ] && chrt -f -p "$RT" "${t##*/}" && echo "== mixer thread ${t##*/}: SCHED_FIFO $RT"
	done
fi
for step in $STEPS; do
	case $step in
	big)
		for n in $SIZES; do
			csv_same 7000 "$n" big.csv
			calls big.csv "$n"
			measure "one room, $n all talking"
			# a meeting: everyone muted but three
			cli "confbridge mute 7000 all" >/dev/null
			for ch in $(cli "confbridge list 7000" | awk '/^SIP\// {print $1}' | head -3); do
				cli "confbridge unmute 7000 $ch" >/dev/null
			done
			measure "one room, $n (3 talking)"
			calls_end
		done
		;;
	rooms)
		{ echo SEQUENTIAL; for r in $(seq "$ROOMS"); do for _ in 1 2 3 4 5; do echo "$((8000 + r));"; done; done; } \
			>"$WORK/sipp/rooms.csv"
		calls rooms.csv $((ROOMS * 5))
		measure "$ROOMS rooms of 5"
		calls_end
		;;
	singles)
		{ echo SEQUENTIAL; for r in $(seq "$SINGLES"); do echo "$((9000 + r));"; done; } >"$WORK/sipp/singles.csv"
		calls singles.csv "$SINGLES"
		measure "$SINGLES rooms of 1"
		calls_end
		;;
	esac
done
