#!/usr/bin/env python3
"""send-bad.py PORT - send broken RTP at Lyre's RTP port 127.0.0.1:PORT.

Ten of each kind, 50 in all; none is valid RTP (RFC 3550 §5.1, §A.1), so
Lyre must drop and count every one (`rtp show stats` BadHdr):
  random   random bytes after a first byte that is not version 2
  short    truncated headers: 1 to 11 bytes of a version 2 header
  v1       a full 172-byte packet with version 1
  csrc     CC=15 (60 bytes of CSRCs) in a 40-byte packet
  padding  the P bit with a padding count (255) beyond the payload"""
import os
import socket
import struct
import sys

port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
dst = ("127.0.0.1", port)
hdr = lambda b0, seq: struct.pack("!BBHII", b0, 0, seq, 160 * seq, 0x5eed0001)
sent = 0
for i in range(10):
    s.sendto(bytes([0x3f]) + os.urandom(171), dst)               # random
    s.sendto(hdr(0x80, i)[:1 + i], dst)                          # short
    s.sendto(hdr(0x40, i) + bytes(160), dst)                     # v1
    s.sendto(hdr(0x8f, i) + bytes(28), dst)                      # csrc
    s.sendto(hdr(0xa0, i) + bytes(159) + b"\xff", dst)           # padding
    sent += 5
print("sent %d" % sent)
