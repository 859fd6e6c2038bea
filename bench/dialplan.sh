#!/bin/bash
# bench/dialplan.sh [CONTEXTS [EXTENSIONS]] - load time, memory and lookup speed of a large dialplan.
#
# Builds an optimised tree (_build/bench, gcc -O2, no sanitizers, shared
# with bench/startup.sh), then bench/dialplan_bench generates a plan of
# CONTEXTS contexts (default 500) and EXTENSIONS extensions (default 20000)
# with patterns, caller-id forms and includes, and prints:
#   load           parse + install in ms            (target < 1000)
#   memory         heap the plan uses, and RSS before/after
#   lookup         median and p99 ns per lookup     (target median < 1000)
#   substitution   median and p99 ns per ${...}/$[...] substitution
# Bounded: the run does a fixed 500,000 lookups and 100,000 substitutions
# (well under a second), and is killed after 60 s whatever happens.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
b=$top/_build/bench
mkdir -p "$b"
[ -f "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null)
( cd "$b" && [ -f Makefile ] || CFLAGS="-O2 -g" "$top/configure" -q ) >/dev/null
if ! make -s -C "$b" -j"$(nproc)" bench/dialplan_bench >/dev/null; then
	echo "$0: cannot build bench/dialplan_bench (is 'include bench/bench.am' in Makefile.am?)" >&2
	exit 1
fi
timeout 60 "$b/bench/dialplan_bench" "$@"
