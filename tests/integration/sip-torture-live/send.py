#!/usr/bin/env python3
"""Send each torture message over UDP to a running Lyre and check its answer.

usage: send.py HOST PORT DIR [DIR...]
       send.py HOST PORT --probe      (one OPTIONS must get its 200)

For every NAME in DIR/MANIFEST.tsv, DIR/NAME.dat goes out as one datagram,
then an OPTIONS probe; what arrives before the probe's 200 is this
message's answer (loopback UDP keeps order).  Retransmitted finals of an
earlier INVITE (nobody ACKs them) and 100 Trying are left out, by Call-ID.
Some files reuse the top Via branch and sent-by of an earlier one
(unkscm/novelsc, cparam01/cparam02 ...): RFC 3261 §17.2.3 makes them
retransmissions of that request, answered with its last response, which
counts as their answer.
Prints one '# ok NAME' or '# WRONG NAME' line per message; exits 1 when one is wrong.
"""
import re
import socket
import sys
import time

# The transport itself answers these (RFC 4475 §3.1.2, §3.2.1, §3.3,
# RFC 5118 §4.2); None: a response or no Via, dropped without a reply.
EXACT = {
    "badinv01": 400, "clerr": 400, "ncl": 400, "scalar02": 400, "quotbal": 400,
    "ltgtruri": 400, "lwsruri": 400, "lwsstart": 400, "trws": 400, "escruri": 400,
    "regbadct": 400, "badaspec": 400, "baddn": 400, "badvers": 505, "mismatch01": 400,
    "mismatch02": 400, "badbranch": 400, "insuf": 400, "multi01": 400, "mcl01": 400,
    "ipv6-bad": 400,
    # the dispatcher of RFC 3261 §8.2 and the registrar, as the MANIFEST says
    "intmeth": 501, "esc02": 501, "unkscm": 416, "novelsc": 416, "unksm2": 400,
    "bext01": 420, "invut": 415, "sdp01": 406, "regaut01": 401,
    "lwsdisp": 200, "semiuri": 200, "transports": 200, "zeromf": 200,
    "via-received-param-no-delim": 200, "via-received-param-with-delim": 481,
    "mult-ip-in-header": 481,
    "scalarlg": None, "bigcode": None, "test": None, "unreason": None,
    "noreason": None, "bcast": None,
}

CALL_ID = re.compile(rb"^(?:call-id|i)[ \t]*:[ \t]*(\S+)", re.I | re.M)
BRANCH = re.compile(rb"^(?:via|v)[ \t]*:[^\r\n]*?;[ \t]*branch=([^;,\s]+)", re.I | re.M)


def call_id(data):
    m = CALL_ID.search(data)
    return m.group(1) if m else None


def branch(data):
    m = BRANCH.search(data)
    return m.group(1) if m else None


def probe(n):
    return (f"OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKprobe{n};rport\r\n"
            f"From: <sip:t@127.0.0.1>;tag=p\r\nTo: <sip:probe@127.0.0.1>\r\n"
            f"Call-ID: probe-{n}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
            f"Content-Length: 0\r\n\r\n").encode()


def exchange(sock, dst, data, n, earlier):
    """The final answers to data (status codes); None when the probe got none."""
    if data:
        sock.sendto(data, dst)
    sock.sendto(probe(n), dst)
    mine, my_branch = call_id(data), branch(data)
    codes = []
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        sock.settimeout(max(deadline - time.monotonic(), 0.01))
        try:
            reply = sock.recv(70000)
        except socket.timeout:
            return None
        cid = call_id(reply)
        if cid == f"probe-{n}".encode():
            return codes
        if cid is not None and cid != mine and cid in earlier and branch(reply) != my_branch:
            continue        # an earlier INVITE's final, retransmitted
        code = int(reply[8:11]) if reply.startswith(b"SIP/2.0 ") else 0
        if code >= 200 or code == 0:
            codes.append(code)
    return None


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    dst = (host, port)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    if sys.argv[3:] == ["--probe"]:
        return 0 if exchange(sock, dst, b"", 0, set()) == [] else 1
    earlier, bad, n = set(), 0, 0
    for d in sys.argv[3:]:
        manifest = d.rstrip("/").split("/wire")[0] + "/MANIFEST.tsv"
        with open(manifest) as f:
            names = [l.split("\t")[0] for l in f.read().splitlines()[1:] if l]
        for name in names:
            n += 1
            with open(f"{d}/{name}.dat", "rb") as f:
                data = f.read()
            codes = exchange(sock, dst, data, n, earlier)
            cid = call_id(data)
            if cid:
                earlier.add(cid)
            want = EXACT.get(name, "normal")
            if codes is None:
                ok = False
            elif want is None:
                ok = codes == []
            elif want == "normal":
                # a valid message: exactly one ordinary final answer, never 400
                ok = len(codes) == 1 and codes[0] not in (0, 400)
            else:
                ok = codes == [want]
            bad += not ok
            # "#" first: the runner counts only the test's own check lines
            print(f"# {'ok' if ok else 'WRONG'} {name}: got {codes}, want {want}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
