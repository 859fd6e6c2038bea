#!/usr/bin/env python3
"""tones.py FILE.wav FROM TO HZ...: the level of each tone in a window.

FROM and TO are wall-clock times (epoch seconds); the file's modification
time is taken as the moment its last sample was written (the recording
ends when the call or the conference ends), so a time t is at offset
duration - (mtime - t) in the file.  For each HZ prints "HZ:LEVEL", the
tone's amplitude as a fraction of full scale (Goertzel over the window;
a full-scale sine gives 1.0).  Mono or the first channel of 16-bit WAVs."""
import math, os, struct, sys, wave

path, t0, t1 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
w = wave.open(path, "rb")
rate, n, ch = w.getframerate(), w.getnframes(), w.getnchannels()
x = struct.unpack("<%dh" % (n * ch), w.readframes(n))[::ch]
end = os.stat(path).st_mtime
dur = n / rate
a = max(0, int((dur - (end - t0)) * rate))
b = min(n, int((dur - (end - t1)) * rate))
seg = x[a:b]
if len(seg) < rate // 2:
    sys.exit("window %.2f-%.2f s of %.2f s: too short" % (a / rate, b / rate, dur))

def level(hz):
    k = 2 * math.cos(2 * math.pi * hz / rate)
    s1 = s2 = 0.0
    for v in seg:
        s1, s2 = v + k * s1 - s2, s1
    p = s1 * s1 + s2 * s2 - k * s1 * s2
    return 2 * math.sqrt(max(p, 0)) / len(seg) / 32768

print(" ".join("%s:%.4f" % (hz, level(float(hz))) for hz in sys.argv[4:]))
