#!/bin/bash
# scripts/run-office.sh - install what Lyre needs, build it, install it under
# _install/ in this folder and start it in the foreground, with its console,
# on the bundled default office system (dialplans/office).
#   PREFIX=/usr/local scripts/run-office.sh   installs system-wide instead
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
prefix=${PREFIX:-$top/_install}
scripts/install-deps.sh
autoreconf -fi >/dev/null
mkdir -p _build/run
( cd _build/run && "$top/configure" -q --prefix="$prefix" && make -j"$(nproc)" -s && make -s install )
# make install put the office system into $prefix/etc/lyre on the first run;
# later runs keep what you changed there.
args=(-C "$prefix/etc/lyre")
if [ -t 0 ]; then args+=(-c); else args+=(-f); fi
echo "Starting Lyre: $prefix/sbin/lyre ${args[*]}"
exec "$prefix/sbin/lyre" "${args[@]}"
