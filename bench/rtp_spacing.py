#!/usr/bin/env python3
"""bench/rtp_spacing.py - packet spacing of the RTP streams sent to a port.

Usage: rtp_spacing.py PORT SECONDS [SKIP_S]

Binds 127.0.0.1:PORT, receives for SECONDS s with the kernel's receive
time stamps (SO_TIMESTAMPNS: on loopback, the moment the sender's
sendto() handed the packet over), groups the datagrams that look like RTP
(version 2) by source and SSRC, and prints one line: streams, packets, the
inter-arrival times between consecutive packets of a stream (p1, p50, p99,
max in ms), the share within 20 +/- 2 ms, and the sequence numbers
missing.  The first SKIP_S seconds (default 1) of each stream are left
out: its first packets follow the call's set-up, not the media timer.
Prints "receiver ready" on stderr once bound.
"""
import socket
import struct
import sys
import time

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)


def packets(port, seconds):
    """(time in s, source, ssrc, seq) for every RTP-looking datagram."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    sock.bind(("127.0.0.1", port))
    print("receiver ready", file=sys.stderr, flush=True)
    end = time.monotonic() + seconds
    out = []
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        sock.settimeout(left)
        try:
            data, anc, _, src = sock.recvmsg(2048, socket.CMSG_SPACE(16))
        except socket.timeout:
            break
        t = None
        for level, kind, val in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                sec, nsec = struct.unpack("qq", val[:16])
                t = sec + nsec / 1e9
        if t is None or len(data) < 12 or data[0] >> 6 != 2:
            continue
        seq, = struct.unpack(">H", data[2:4])
        ssrc, = struct.unpack(">I", data[8:12])
        out.append((t, src, ssrc, seq))
    return out


def pct(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    k = min(len(sorted_vals) - 1, max(0, int(round(p / 100.0 * len(sorted_vals) + 0.5)) - 1))
    return sorted_vals[k]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    skip = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
    streams = {}
    for t, src, ssrc, seq in packets(int(sys.argv[1]), float(sys.argv[2])):
        streams.setdefault((src, ssrc), []).append((t, seq))
    gaps, lost, npk = [], 0, 0
    for pk in streams.values():
        t0 = pk[0][0]
        pk = [p for p in pk if p[0] - t0 >= skip]
        npk += len(pk)
        for (ta, sa), (tb, sb) in zip(pk, pk[1:]):
            gaps.append((tb - ta) * 1000.0)
            lost += max(0, ((sb - sa) & 0xFFFF) - 1)
    gaps.sort()
    within = sum(1 for g in gaps if 18.0 <= g <= 22.0)
    print("streams %d  packets %d  spacing p50 %.2f ms  p99 %.2f ms  max %.2f ms  "
          "within 20+/-2 ms %.2f %%  p1 %.2f ms  seq gaps %d"
          % (len(streams), npk, pct(gaps, 50), pct(gaps, 99), gaps[-1] if gaps else float("nan"),
             100.0 * within / len(gaps) if gaps else 0.0, pct(gaps, 1), lost))


if __name__ == "__main__":
    main()
