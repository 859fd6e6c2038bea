#!/bin/bash
# scripts/install-deps.sh [--test] - install the Debian packages Lyre needs.
#   (no flag)  what building and running need
#   --test     also what the test suite needs (clang for the sanitizer and
#              fuzzing builds, the SIP peers, audio tools, tmux, tshark;
#              valgrind for bench/sip-icount.sh and for chasing bugs)
# DEBIAN_FRONTEND=noninteractive keeps tshark's wireshark-common from asking
# about non-root capture (the tests capture as root).
# Runs apt-get only when something is missing, so repeated runs are quick.
set -euo pipefail
build_pkgs=(build-essential autoconf automake libtool libltdl-dev pkg-config
	libxml2-dev libsrtp2-dev libspeexdsp-dev libopus-dev libssl-dev libedit-dev libsqlite3-dev)
test_pkgs=(clang libclang-rt-dev perl iproute2 procps tmux hyperfine
	sip-tester baresip-core sox libsox-fmt-all espeak-ng python3 tshark valgrind)
# ffmpeg is left out on purpose: only the maintainer tools need it,
# scripts/make-sounds.sh (the .g722 prompts) and tests/data/g722/make-refs.sh,
# which also need espeak-ng and sox.  The tests read the committed files.
# To regenerate: apt-get install ffmpeg espeak-ng sox
pkgs=("${build_pkgs[@]}")
[ "${1:-}" = --test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing: ${missing[*]}"
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	-o DPkg::Lock::Timeout=300 "${missing[@]}"
