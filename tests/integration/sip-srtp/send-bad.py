#!/usr/bin/env python3
"""send-bad.py PORT SSRC_HEX - attack Lyre's RTP port at 127.0.0.1:PORT.

Sends 10 datagrams of random bytes (not RTP version 2) and 64 packets that look like SRTP of
the phone's stream (RTP header with its SSRC, 160 bytes of "encrypted"
payload, a 10-byte tag) whose tags are wrong.  Their sequence numbers are
spread over the whole 16-bit space (0, 1024, ...): those up to 2^15 ahead
of the phone's fail authentication, those behind it are too old for the
replay window (RFC 3711 §3.3.2: libsrtp checks that first)."""
import os
import socket
import struct
import sys

port, ssrc = int(sys.argv[1]), int(sys.argv[2], 16)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(10):
    # random, but never RTP version 2: so no garbage reads as a replay
    s.sendto(b"\x3f" + os.urandom(171), ("127.0.0.1", port))
for i in range(64):
    hdr = struct.pack("!BBHII", 0x80, 0, i * 1024, 1000 + 160 * i, ssrc)
    s.sendto(hdr + os.urandom(160) + os.urandom(10), ("127.0.0.1", port))
print("sent 74")
