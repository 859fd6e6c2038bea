#!/usr/bin/env python3
"""Write a pcap of 12 s of A-law RTP (20 ms packets, a 1 kHz tone) for
sipp's play_pcap_audio, with every packet whose index i has
(i * 7919) % 10 == 3 left out: exactly 10 % lost, spread over the call.
The headers follow sipp's own g711a.pcap (Ethernet, IPv4, UDP); sipp
rewrites addresses and ports when it plays the file.
Usage: lossy-pcap.py OUT.pcap  (prints the number of packets left out)"""
import math
import struct
import sys

PACKETS = 600


def alaw(sample):
    """G.711 A-law of a 16-bit sample (ITU-T G.711 segment encoding)."""
    sign = 0x80 if sample >= 0 else 0
    if sample < 0:
        sample = -sample - 1
    sample = min(sample >> 3, 0xfff)
    if sample < 32:
        code = sample >> 1
    else:
        seg = sample.bit_length() - 5
        code = (seg << 4) | ((sample >> seg) & 0x0f)
    return (code | sign) ^ 0x55


def ip_checksum(hdr):
    s = sum(struct.unpack("!10H", hdr))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def packet(seq, ts):
    payload = bytes(alaw(int(8000 * math.sin(2 * math.pi * 1000 * (ts + k) / 8000)))
                    for k in range(160))
    rtp = struct.pack("!BBHII", 0x80, 8, seq, ts, 0x1234abcd) + payload
    udp = struct.pack("!HHHH", 5000, 6000, 8 + len(rtp), 0) + rtp
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0x10, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     bytes([10, 1, 3, 143]), bytes([10, 1, 6, 18]))
    ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
    eth = bytes.fromhex("00d050100166000476222017") + b"\x08\x00"
    return eth + ip + udp


def main():
    out = open(sys.argv[1], "wb")
    out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    dropped = 0
    for i in range(PACKETS):
        if (i * 7919) % 10 == 3:
            dropped += 1
            continue
        p = packet(1000 + i, 160 * i)
        usec = 20000 * i
        out.write(struct.pack("<IIII", 1000000000 + usec // 1000000, usec % 1000000, len(p),
                              len(p)))
        out.write(p)
    out.close()
    print(dropped)


main()
