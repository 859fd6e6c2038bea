#!/usr/bin/env python3
"""dtmf-check.py FILE.wav - print the DTMF digits heard in a recording.

The file must be 8 kHz mono 16-bit (test.sh converts with sox first).  In
each 20 ms block, a Goertzel filter measures the power at the eight DTMF
frequencies; a block holds a digit when the strongest row and the strongest
column tone are each well above the other tones of their group and together
carry most of the block's energy (so speech-like or single tones do not
count).  A digit is heard when it holds for two blocks in a row (40 ms) and
is heard again only after a block without it.  Prints the digits, e.g. 1234#."""
import math
import struct
import sys
import wave

ROWS = (697, 770, 852, 941)
COLS = (1209, 1336, 1477, 1633)
KEYS = ("123A", "456B", "789C", "*0#D")
N = 160


def goertzel(x, f, rate=8000):
    k = 2 * math.cos(2 * math.pi * f / rate)
    s1 = s2 = 0.0
    for v in x:
        s1, s2 = v + k * s1 - s2, s1
    return s1 * s1 + s2 * s2 - k * s1 * s2


def block_digit(x):
    energy = sum(v * v for v in x)
    if energy < N * 100.0 ** 2:   # quieter than about -50 dBFS: nothing
        return None
    r = [goertzel(x, f) for f in ROWS]
    c = [goertzel(x, f) for f in COLS]
    ri, ci = r.index(max(r)), c.index(max(c))
    if sorted(r)[-2] * 10 > r[ri] or sorted(c)[-2] * 10 > c[ci]:
        return None
    # Goertzel power of a full-scale tone over N samples is (A*N/2)^2; the
    # two tones' power against the block's energy (sum x^2 = A^2 N / 2).
    if (r[ri] + c[ci]) * 2 / N < 0.6 * energy:
        return None
    return KEYS[ri][ci]


def main():
    w = wave.open(sys.argv[1])
    assert w.getframerate() == 8000 and w.getnchannels() == 1 and w.getsampwidth() == 2
    raw = w.readframes(w.getnframes())
    pcm = struct.unpack("<%dh" % (len(raw) // 2), raw)
    out, prev, run, done = "", None, 0, False
    for i in range(0, len(pcm) - N + 1, N):
        d = block_digit(pcm[i:i + N])
        if d is not None and d == prev:
            run += 1
        else:
            run, done = (1 if d else 0), False
        if d and run >= 2 and not done:
            out += d
            done = True
        prev = d
    print(out)


main()
