#!/usr/bin/env python3
"""Stand in for a caller's media port: log every RTP packet that arrives.

    rtp_listen.py PORT OUTFILE SECONDS

One line per packet, written at once: arrival time (s since start), source
address, source port, payload type, sequence number, payload length.  Exits
after SECONDS.  It never sends, so what arrives was sent without being
asked for (Lyre knows the port from the caller's SDP only).
"""
import socket
import struct
import sys
import time


def main():
    port, out, seconds = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))
    start = time.monotonic()
    with open(out, "w", buffering=1) as f:
        while True:
            left = seconds - (time.monotonic() - start)
            if left <= 0:
                return
            sock.settimeout(left)
            try:
                data, (host, sport) = sock.recvfrom(2048)
            except socket.timeout:
                return
            if len(data) < 12 or data[0] >> 6 != 2:
                continue  # not RTP version 2
            pt = data[1] & 0x7F
            seq = struct.unpack("!H", data[2:4])[0]
            f.write("%.3f %s %d %d %d %d\n" % (time.monotonic() - start, host, sport, pt, seq,
                                               len(data) - 12))


if __name__ == "__main__":
    main()
