#!/bin/bash
# scripts/make-sounds.sh - regenerate the prompt set and the music on hold.
#
#   sounds/manifest.tsv    NAME<TAB>TEXT  ->  sounds/en/NAME.wav, NAME.g722
#   sounds/moh-scores.tsv  NAME<TAB>BPM<TAB>SYNTH<TAB>NOTES
#                                         ->  sounds/moh/NAME.wav, NAME.g722
#
# Each sound is made once at 16 kHz and then written twice, in Asterisk's
# layout: NAME.wav (WAV, 8 kHz, 16-bit mono PCM) and NAME.g722 (raw G.722
# at 64 kbit/s, no header: a quarter of the size of 16 kHz linear, and
# what a G.722 call sends without translating).  Speech comes from
# espeak-ng with a fixed voice, speed and pitch; tones, chimes, silence
# and music from sox; the G.722 encoding from ffmpeg's adpcm_g722, which
# codec_g722 matches bit for bit.  The output is byte-identical from run
# to run with the same espeak-ng, sox and ffmpeg versions: sox runs with
# -R (fixed random seed, no time stamps) and -D (no dither), and writes a
# bare 44-byte WAV header with no metadata; the G.722 coder has no
# randomness, and trellis search is off as in tests/data/g722/make-refs.sh.
#
# The folders are rebuilt from scratch in a temporary folder and then put
# in place, so a name removed from the manifest leaves no stale file.
# Needs: espeak-ng, sox, ffmpeg (Debian packages of the same names).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
manifest=$top/sounds/manifest.tsv
scores=$top/sounds/moh-scores.tsv

# The voice.  Changing any of these changes every file.
VOICE=en-us
SPEED=170          # words per minute
PITCH=40           # 0-99
SPEECH_PEAK=-3     # dBFS: every spoken prompt peaks here (sox gain -n)
TONE_PEAK=-12      # dBFS: a sine this high sounds about as loud as speech
MUSIC_PEAK=-6      # dBFS: hold music, a little under the prompts
RATE=16000         # the master rate; the .wav files are resampled to 8000

for tool in espeak-ng sox ffmpeg; do
	command -v "$tool" >/dev/null || { echo "make-sounds: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

SOX=(sox -R -D -V1)
MASTER=(-r "$RATE" -b 16 -c 1 -e signed-integer)

# write MASTER.wav DEST: DEST.g722 at 16 kHz and DEST.wav at 8 kHz.
# G.722 codes samples in pairs; ffmpeg pads an odd last sample, so the
# file is ceil(samples / 2) bytes, 8000 a second.
write() {
	local master=$1 dest=$2
	mkdir -p "$(dirname "$dest")"
	"${SOX[@]}" "$master" -t raw -L "${MASTER[@]}" - |
		ffmpeg -nostdin -loglevel error -y -f s16le -ar "$RATE" -ac 1 -i - \
			-c:a adpcm_g722 -trellis 0 -f g722 "$dest.g722"
	"${SOX[@]}" "$master" -r 8000 -b 16 -c 1 -e signed-integer "$dest.wav" rate -v 8000
}

# speak TEXT OUT: espeak-ng; the silence before and after cut to a short
# fixed gap (prompts are played back to back: "you have" "two" "new"
# "messages") and pauses between sentences held to 0.3 s, which keeps
# menus brisk and the files small; a high-pass for the telephone band;
# peak-normalised.  espeak-ng's pauses are digital silence, so a very
# low threshold (-66 dBFS) cuts no speech.
speak() {
	printf '%s\n' "$1" > "$work/text"
	espeak-ng -v "$VOICE" -s "$SPEED" -p "$PITCH" -a 100 -f "$work/text" -w "$work/raw.wav"
	"${SOX[@]}" "$work/raw.wav" "${MASTER[@]}" "$2" \
		silence -l 1 0.005 0.05% -1 0.3 0.05% \
		reverse silence 1 0.005 0.05% reverse \
		highpass 100 rate -v "$RATE" pad 0.02 0.1 gain -n "$SPEECH_PEAK"
}

# note FREQ SECONDS OUT [TYPE]: one note with a short attack and release
# so that notes join without clicks.  TYPE is a sox synth type; pluck
# decays by itself like a plucked string.
note() {
	local f=$1 d=$2 out=$3 type=${4:-sine}
	if [ "$f" = 0 ]; then
		"${SOX[@]}" -n "${MASTER[@]}" "$out" trim 0 "$d"
	else
		"${SOX[@]}" -n "${MASTER[@]}" "$out" synth "$d" "$type" "$f" \
			fade q 0.01 "$d" "$(awk -v d="$d" 'BEGIN { print (d < 0.4 ? d / 3 : 0.12) }')"
	fi
}

# generated SPEC OUT: a sound the manifest describes in [brackets].
generated() {
	local -a w
	read -r -a w <<< "$1"
	case ${w[0]} in
	silence)
		"${SOX[@]}" -n "${MASTER[@]}" "$2" trim 0 "${w[1]}" ;;
	tone)
		# A steady sine: a test can look for exactly this frequency.
		"${SOX[@]}" -n "${MASTER[@]}" "$2" synth "${w[2]}" sine "${w[1]}" \
			fade h 0.005 "${w[2]}" 0.005 gain -n "$TONE_PEAK" ;;
	chime)
		# Two notes a fifth apart (D5 and A5), rising or falling.
		local lo=587.33 hi=880
		[ "${w[1]}" = down ] && { lo=880; hi=587.33; }
		note "$lo" 0.18 "$work/n1.wav" && note "$hi" 0.32 "$work/n2.wav"
		"${SOX[@]}" "$work/n1.wav" "$work/n2.wav" "$2" gain -n "$TONE_PEAK" ;;
	*)
		echo "make-sounds: unknown generated sound [$1]" >&2; return 1 ;;
	esac
}

prompts() {
	local name text n=0
	while IFS=$'\t' read -r name text; do
		case $name in ''|'#'*) continue ;; esac
		if [[ $text == \[*\] ]]; then
			generated "${text:1:${#text}-2}" "$work/m.wav"
		else
			speak "$text" "$work/m.wav"
		fi
		write "$work/m.wav" "$work/out/en/$name"
		n=$((n + 1))
	done < "$manifest"
	echo "make-sounds: $n prompts"
}

# freq NOTE: a note name (C4, F#3, Bb5) to Hz, equal temperament, A4 = 440.
freq() {
	awk -v n="$1" 'BEGIN {
		if (n == "R") { print 0; exit }
		split("C C# D D# E F F# G G# A A# B", names, " ")
		for (i = 1; i <= 12; i++) idx[names[i]] = i - 1
		idx["Db"] = 1; idx["Eb"] = 3; idx["Gb"] = 6; idx["Ab"] = 8; idx["Bb"] = 10
		oct = substr(n, length(n)); pc = substr(n, 1, length(n) - 1)
		if (!(pc in idx)) { print "bad note " n > "/dev/stderr"; exit 1 }
		printf "%.2f\n", 440 * 2 ^ ((idx[pc] + 12 * (oct + 1) - 69) / 12)
	}'
}

# voice BPM TYPE NOTES OUT: a line of NOTE/BEATS words played one after
# another ("|" bar lines are ignored), one synth TYPE for the whole line.
voice() {
	local bpm=$1 type=$2 notes=$3 out=$4 i=0 tok f d
	local -a files=()
	for tok in $notes; do
		[ "$tok" = "|" ] && continue
		f=$(freq "${tok%/*}")
		d=$(awk -v b="${tok#*/}" -v bpm="$bpm" 'BEGIN { printf "%.4f\n", b * 60 / bpm }')
		i=$((i + 1))
		note "$f" "$d" "$work/v$i.wav" "$type"
		files+=("$work/v$i.wav")
	done
	"${SOX[@]}" "${files[@]}" "$out"
	rm -f "${files[@]}"
}

# Each melody has two or more lines of the same length; they are mixed,
# given a little room (reverb) and peak-normalised.
music() {
	local name bpm type notes cur="" n=0
	local -a parts=()
	flush() {
		[ -n "$cur" ] || return 0
		if [ ${#parts[@]} -gt 1 ]; then
			"${SOX[@]}" -m "${parts[@]}" "$work/mix.wav"
		else
			cp "${parts[0]}" "$work/mix.wav"
		fi
		# Headroom before the reverb, which adds to the peaks; a fade
		# at both ends, so the loop restarts softly.
		"${SOX[@]}" "$work/mix.wav" "${MASTER[@]}" "$work/m.wav" \
			gain -6 reverb 30 50 60 channels 1 \
			fade q 0.05 "$(soxi -D "$work/mix.wav")" 1.5 gain -n "$MUSIC_PEAK"
		write "$work/m.wav" "$work/out/moh/$cur"
		rm -f "${parts[@]}"
		parts=()
		n=$((n + 1))
	}
	while IFS=$'\t' read -r name bpm type notes; do
		case $name in ''|'#'*) continue ;; esac
		[ "$name" = "$cur" ] || flush
		cur=$name
		voice "$bpm" "$type" "$notes" "$work/part${#parts[@]}.wav"
		parts+=("$work/part${#parts[@]}.wav")
	done < "$scores"
	flush
	echo "make-sounds: $n melodies"
}

mkdir -p "$work/out/en" "$work/out/moh"
prompts
music
for d in en moh; do
	rm -rf "$top/sounds/$d"
	mv "$work/out/$d" "$top/sounds/$d"
done
du -sh "$top/sounds/en" "$top/sounds/moh"
