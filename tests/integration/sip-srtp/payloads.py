#!/usr/bin/env python3
"""payloads.py FIELDS REF.ul... - which captured RTP payloads are plain G.711.

FIELDS holds tshark's "-T fields -e udp.srcport -e udp.dstport -e udp.payload"
lines.  A payload counts as plain when it occurs, byte for byte, in one of
the reference mu-law encodings of the tones the phones play (any phase).
Prints one line per leg: "LEG packets=N plain=M", where LEG is the phone
whose RTP port range the packet's port is in (alice 30000-30099, bob
30100-30199, carol 30200-30299)."""
import sys

LEGS = (("alice", 30000), ("bob", 30100), ("carol", 30200))


def leg_of(a, b):
    for name, base in LEGS:
        if base <= a < base + 100 or base <= b < base + 100:
            return name
    return None


def main():
    refs = [open(p, "rb").read() for p in sys.argv[2:]]
    counts = {name: [0, 0] for name, _ in LEGS}
    for line in open(sys.argv[1]):
        parts = line.split()
        if len(parts) != 3:
            continue
        udp = bytes.fromhex(parts[2].replace(":", ""))
        if len(udp) < 12 or udp[0] >> 6 != 2 or 72 <= (udp[1] & 0x7F) <= 76:
            continue  # not RTP (RTCP goes to the odd ports)
        leg = leg_of(int(parts[0]), int(parts[1]))
        if not leg:
            continue
        off = 12 + 4 * (udp[0] & 0x0F)
        # the first 80 payload bytes: past them an SRTP packet holds its tag
        payload = udp[off:off + 80]
        if len(payload) < 80:
            continue
        counts[leg][0] += 1
        if any(payload in r for r in refs):
            counts[leg][1] += 1
    for name, _ in LEGS:
        print("%s packets=%d plain=%d" % (name, counts[name][0], counts[name][1]))


main()
