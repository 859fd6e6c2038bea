#!/usr/bin/env python3
"""analyse.py FILE.wav: prints "duration_ms loud_ms peak_hz" of a mono 16-bit WAV.

loud_ms counts 20 ms blocks with an RMS above 0.03 of full scale; peak_hz
is the strongest frequency (Goertzel, 100-3000 Hz in 5 Hz steps) over the
first 0.5 s of loud audio.  No numpy: this is all it needs."""
import math, struct, sys, wave

w = wave.open(sys.argv[1], "rb")
rate, n = w.getframerate(), w.getnframes()
x = struct.unpack("<%dh" % n, w.readframes(n))
block = rate // 50
loud, first = 0, None
for i in range(0, n - block + 1, block):
    b = x[i:i + block]
    if math.sqrt(sum(v * v for v in b) / block) / 32768 > 0.03:
        loud += 20
        first = i if first is None else first

def power(seg, hz):
    k = 2 * math.cos(2 * math.pi * hz / rate)
    s1 = s2 = 0.0
    for v in seg:
        s1, s2 = v + k * s1 - s2, s1
    return s1 * s1 + s2 * s2 - k * s1 * s2

peak = 0
if first is not None:
    seg = x[first:first + rate // 2]
    peak = max(range(100, 3001, 5), key=lambda hz: power(seg, hz))
print(n * 1000 // rate, loud, peak)
