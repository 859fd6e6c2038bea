# bench/lib.sh - sourced by the bench scripts: build, stage, and re-run
# the script inside a private network namespace.
#
#   source "$(dirname "$0")/lib.sh"
#   bench_enter "$0" "$@"      # returns only inside the namespace
#
# Outside the namespace bench_enter builds an optimised tree (_build/bench,
# gcc -O2; or LYRE_BENCH_BUILD=DIR, a tree already built), installs it into
# a temp folder, runs the script again inside tests/integration/bin/netns-run
# with BIN, MODDIR, DOCDIR and WORK set, removes the temp folder (or keeps
# the results with KEEP_RESULTS=1) and exits with the script's status.
# SHARED is the shared kit beside the repository (../shared).

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${SHARED:-$(cd "$top/.." && pwd)/shared}

bench_build() {
	local b=$1
	mkdir -p "$b"
	[ -f "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null)
	( cd "$b" && [ -f Makefile ] || CFLAGS="-O2 -g" "$top/configure" -q ) >/dev/null
	make -s -C "$b" -j"$(nproc)" >/dev/null
}

bench_enter() {
	local script=$1 b work rc=0
	shift
	[ "${LYRE_BENCH_INNER:-}" = 1 ] && return 0
	b=${LYRE_BENCH_BUILD:-$top/_build/bench}
	[ -n "${LYRE_BENCH_BUILD:-}" ] || bench_build "$b"
	work=$(mktemp -d -t lyre-bench.XXXXXX)
	chmod 755 "$work"
	make -s -C "$b" install DESTDIR="$work/stage" >/dev/null
	eval "$(make -s -C "$b" print-dirs)"
	export LYRE_BENCH_INNER=1 BIN=$work/stage$sbindir/lyre MODDIR=$work/stage$moduledir \
		DOCDIR=$work/stage$xmldocdir WORK=$work SHARED
	"$top/tests/integration/bin/netns-run" "$script" "$@" || rc=$?
	if [ -n "${KEEP_RESULTS:-}" ]; then
		echo "results kept in $work"
		rm -rf "$work/stage"
	else
		rm -rf "$work"
	fi
	exit $rc
}
