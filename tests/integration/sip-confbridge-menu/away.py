#!/usr/bin/env python3
"""away.py FILE GONE KEPT: was tone GONE missing for a while, and back after?

Scans the recording in half seconds (Goertzel, first channel, 16-bit WAV)
for the longest run where GONE is under 0.01 of full scale while KEPT is
above 0.05 (so the phone was hearing the conference, not a prompt), then
checks that GONE is above 0.05 for at least 2 s after that run.  Prints
the run and exits 0 when the run lasts at least 2 s and GONE came back.
Needs no wall-clock alignment, so gaps in the recording do not matter."""
import math, struct, sys, wave

path, gone, kept = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
w = wave.open(path, "rb")
rate, n, ch = w.getframerate(), w.getnframes(), w.getnchannels()
x = struct.unpack("<%dh" % (n * ch), w.readframes(n))[::ch]

def level(seg, hz):
    k = 2 * math.cos(2 * math.pi * hz / rate)
    s1 = s2 = 0.0
    for v in seg:
        s1, s2 = v + k * s1 - s2, s1
    return 2 * math.sqrt(max(s1 * s1 + s2 * s2 - k * s1 * s2, 0)) / len(seg) / 32768

step = rate // 2
blocks = [(level(x[i:i + step], gone), level(x[i:i + step], kept))
          for i in range(0, n - step + 1, step)]
best, start, run_start = (0, 0), None, 0
for i, (g, k) in enumerate(blocks + [(1, 0)]):
    if g < 0.01 and k > 0.05:
        if start is None:
            start = i
    elif start is not None:
        if i - start > best[0]:
            best = (i - start, start)
        start = None
length, at = best
back = sum(1 for g, _ in blocks[at + length:] if g > 0.05)
print("%s: %.0f Hz missing %.1f s from %.1f s, heard %.1f s after" %
      (path.split("/")[-1], gone, length / 2, at / 2, back / 2))
sys.exit(0 if length >= 4 and back >= 4 else 1)
