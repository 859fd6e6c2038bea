#!/usr/bin/env python3
"""tone700.py FILE.wav [HZ]: prints how many ms of a mono 16-bit WAV are a
tone of HZ (default 700): 20 ms blocks louder than 0.03 of full scale whose
energy is at least 70 % at that frequency (Goertzel).  Speech and other
tones do not count, so a prompt before the tone does not either."""
import math, struct, sys, wave

w = wave.open(sys.argv[1], "rb")
hz = float(sys.argv[2]) if len(sys.argv) > 2 else 700.0
rate, n = w.getframerate(), w.getnframes()
x = struct.unpack("<%dh" % n, w.readframes(n))
block = rate // 50
k = 2 * math.cos(2 * math.pi * hz / rate)
tone = 0
for i in range(0, n - block + 1, block):
    b = x[i:i + block]
    energy = sum(v * v for v in b)
    if math.sqrt(energy / block) / 32768 <= 0.03:
        continue
    s1 = s2 = 0.0
    for v in b:
        s1, s2 = v + k * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - k * s1 * s2
    if power / (block / 2 * energy) >= 0.7:
        tone += 20
print(tone)
