#!/bin/bash
# tests/data/g722/make-refs.sh - remake the G.722 reference files that
# tests/unit/test_codecs.c compares codec_g722 with.  Needs ffmpeg (its
# adpcm_g722 codec is the reference implementation) and espeak-ng.
#
#   input.s16       1.75 s of 16 kHz mono s16le: speech, then full-scale
#                   white noise, an overdriven 7 kHz tone and a square wave
#                   (the saturating paths of the coder)
#   ffmpeg.g722     ffmpeg's encoding of input.s16 (plain, no trellis)
#   ffmpeg-dec.s16  ffmpeg's decoding of ffmpeg.g722
set -euo pipefail
cd "$(dirname "$0")"
for t in ffmpeg espeak-ng; do
	command -v "$t" >/dev/null || { echo "make-refs.sh: $t is needed" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ff() { ffmpeg -nostdin -loglevel error -y "$@"; }

espeak-ng -w "$tmp/speech.wav" "Lyre speaks wideband audio."
ff -i "$tmp/speech.wav" -af "apad,atrim=0:1" -ar 16000 -ac 1 "$tmp/speech16.wav"
ff -f lavfi -i "anoisesrc=d=0.25:c=white:r=16000:a=1:seed=7" "$tmp/noise.wav"
ff -f lavfi -i "sine=f=7000:r=16000:d=0.25" -af volume=8 "$tmp/loud.wav"
ff -f lavfi -i "aevalsrc=if(lt(mod(t\,0.01)\,0.005)\,0.99\,-0.99):s=16000:d=0.25" "$tmp/square.wav"
ff -i "$tmp/speech16.wav" -i "$tmp/noise.wav" -i "$tmp/loud.wav" -i "$tmp/square.wav" \
	-filter_complex "[0][1][2][3]concat=n=4:v=0:a=1" -ar 16000 -ac 1 -f s16le input.s16
ff -f s16le -ar 16000 -ac 1 -i input.s16 -c:a adpcm_g722 -trellis 0 -f g722 ffmpeg.g722
ff -f g722 -i ffmpeg.g722 -f s16le ffmpeg-dec.s16
sha256sum input.s16 ffmpeg.g722 ffmpeg-dec.s16 > SHA256SUMS
ffmpeg -version | head -1 > FFMPEG_VERSION
ls -l input.s16 ffmpeg.g722 ffmpeg-dec.s16
