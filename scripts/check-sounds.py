#!/usr/bin/env python3
"""scripts/check-sounds.py [SOUNDS_DIR] - check that sounds/ matches its sources.

Run by `make check` (TAP output).  It needs neither espeak-ng nor sox: it
reads the committed files and checks what a listener would notice:

  - every manifest name has NAME.wav (WAV, 8 kHz, 16-bit mono PCM, a plain
    44-byte header as Asterisk's format_wav expects) and NAME.g722 (raw
    G.722 at 64 kbit/s) of the same duration, and no file lacks a manifest
    line;
  - prompts and tones are not silent; silence/N is N seconds of zeros;
  - [tone HZ SECONDS] files hold that frequency for that long.

The audio checks read the .wav.  Decoding G.722 would need a codec here,
so a .g722 is checked by what a broken encode would show: its size (one
byte per two samples, 8000 a second, so it must last as long as the .wav)
and that it is not one byte value repeated (a stuck or empty encoder);
silence/N.g722 must be exactly N * 8000 bytes.
  - each melody of moh-scores.tsv has both files, lasts 20-40 s and is
    not silent; no other file is in moh/.
"""
import math
import os
import re
import struct
import sys
from array import array

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(/[A-Za-z0-9][A-Za-z0-9_-]*)*$")
EXTS = (".wav", ".g722")
G722_BYTES_PER_S = 8000  # 16 kHz, one byte per sample pair (G.722 mode 1)


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, what, problems):
        self.n += 1
        if problems:
            self.failed += 1
            print(f"not ok {self.n} - {what}")
            for p in problems[:20]:
                print(f"#   {p}")
            if len(problems) > 20:
                print(f"#   ... and {len(problems) - 20} more")
        else:
            print(f"ok {self.n} - {what}")


def read_table(path, columns):
    """Lines of a TSV file as lists of fields; # comments and blanks skipped."""
    rows, problems = [], []
    with open(path, encoding="utf-8") as f:
        for num, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) != columns or not all(x.strip() for x in fields):
                problems.append(f"{path}:{num}: want {columns} tab-separated fields")
                continue
            if not NAME_RE.match(fields[0]):
                problems.append(f"{path}:{num}: bad name '{fields[0]}'")
                continue
            rows.append(fields)
    return rows, problems


def samples(data):
    a = array("h")
    a.frombytes(data[: len(data) // 2 * 2])
    if sys.byteorder == "big":
        a.byteswap()  # both formats are little-endian on disk
    return a


def read_wav(path):
    """(rate, samples) of a plain PCM WAV, or raise ValueError."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 44 or data[:4] != b"RIFF" or data[8:16] != b"WAVEfmt ":
        raise ValueError("not a RIFF WAVE file")
    fmt_len, tag, channels, rate, _, _, bits = struct.unpack("<IHHIIHH", data[16:36])
    if (fmt_len, tag, channels, bits) != (16, 1, 1, 16):
        raise ValueError(f"want PCM mono 16-bit (fmt {fmt_len}, tag {tag}, {channels} ch, {bits} bit)")
    if data[36:40] != b"data":
        raise ValueError("extra chunks before data (metadata?)")
    size = struct.unpack("<I", data[40:44])[0]
    if size != len(data) - 44 or struct.unpack("<I", data[4:8])[0] != len(data) - 8:
        raise ValueError("chunk sizes do not match the file size")
    return rate, samples(data[44:])


def read_g722(path):
    """The bytes of a raw G.722 file, or raise ValueError."""
    with open(path, "rb") as f:
        data = f.read()
    if not data:
        raise ValueError("empty")
    if data.count(data[0]) == len(data):
        raise ValueError(f"every byte is 0x{data[0]:02x}: not encoded audio")
    return data


def level_db(s):
    """RMS level in dBFS."""
    if not s:
        return -math.inf
    rms = math.sqrt(sum(x * x for x in s) / len(s))
    return 20 * math.log10(rms / 32768) if rms else -math.inf


def tone_freq(s, rate):
    """Frequency from the zero crossings of the middle half of a tone."""
    mid = s[len(s) // 4: 3 * len(s) // 4]
    crossings = sum(1 for a, b in zip(mid, mid[1:]) if (a < 0) != (b < 0))
    return crossings / 2 / (len(mid) / rate) if mid else 0


def load_pair(base, problems):
    """(samples of NAME.wav, bytes of NAME.g722), or None with problems noted."""
    got = []
    for ext, reader in ((".wav", read_wav), (".g722", read_g722)):
        path = base + ext
        if not os.path.isfile(path):
            problems.append(f"missing {path}")
            return None
        try:
            got.append(reader(path))
        except (OSError, ValueError, struct.error) as e:
            problems.append(f"{path}: {e}")
            return None
    (rate, s), g722 = got
    if rate != 8000:
        problems.append(f"{base}.wav: {rate} Hz, want 8000")
        return None
    if not s:
        problems.append(f"{base}.wav: empty")
        return None
    # Both are cut from one 16 kHz master; resampling and G.722's sample
    # pairs each round the length a little.
    d8, d16 = len(s) / 8000, len(g722) / G722_BYTES_PER_S
    if abs(d8 - d16) > 0.1:
        problems.append(f"{base}: .wav lasts {d8:.3f} s, .g722 {d16:.3f} s")
        return None
    return s, g722


def files_under(folder):
    found = set()
    for dirpath, _, names in os.walk(folder):
        for n in names:
            found.add(os.path.relpath(os.path.join(dirpath, n), folder))
    return found


def check_prompts(tap, top):
    rows, problems = read_table(os.path.join(top, "manifest.tsv"), 2)
    names = [r[0] for r in rows]
    problems += [f"'{n}' listed twice" for n in sorted(set(names)) if names.count(n) > 1]
    tap.check(f"manifest.tsv: {len(rows)} well-formed, unique names", problems)

    en = os.path.join(top, "en")
    formats, loud, tones = [], [], []
    for name, text in rows:
        pair = load_pair(os.path.join(en, name), formats)
        if pair is None:
            continue
        s, g722 = pair
        spec = text[1:-1].split() if text.startswith("[") and text.endswith("]") else []
        if spec[:1] == ["silence"]:
            secs = float(spec[1])
            if any(s) or len(s) != round(secs * 8000):
                loud.append(f"{name}.wav: not {spec[1]} s of silence")
            if len(g722) != round(secs * G722_BYTES_PER_S):
                loud.append(f"{name}.g722: {len(g722)} bytes, want {spec[1]} s")
        elif level_db(s) < -40:
            loud.append(f"{name}.wav: silent ({level_db(s):.1f} dBFS)")
        elif max(abs(x) for x in s) >= 32767:
            loud.append(f"{name}.wav: clipped")
        if spec[:1] == ["tone"]:
            hz, secs = float(spec[1]), float(spec[2])
            got = tone_freq(s, 8000)
            if abs(got - hz) > hz * 0.02 or abs(len(s) / 8000 - secs) > 0.01:
                tones.append(f"{name}.wav: {got:.0f} Hz for {len(s) / 8000:.3f} s, want {hz:g} Hz for {secs:g} s")
    tap.check("every prompt has NAME.wav (8 kHz PCM) and NAME.g722 (G.722) of one duration", formats)
    tap.check("prompts are audible and unclipped; silence/N is N s of zeros", loud)
    tap.check("tones have the frequency and length the manifest gives", tones)
    want = {n + e for n in names for e in EXTS}
    tap.check("sounds/en holds no file without a manifest line",
              [f"extra file en/{f}" for f in sorted(files_under(en) - want)])
    return len(rows)


def check_moh(tap, top):
    rows, problems = read_table(os.path.join(top, "moh-scores.tsv"), 4)
    names = sorted({r[0] for r in rows})
    moh = os.path.join(top, "moh")
    for name in names:
        pair = load_pair(os.path.join(moh, name), problems)
        if pair is None:
            continue
        s = pair[0]
        secs = len(s) / 8000
        if not 20 <= secs <= 40:
            problems.append(f"{name}: {secs:.1f} s, want 20-40 s")
        if level_db(s) < -30:
            problems.append(f"{name}.wav: too quiet ({level_db(s):.1f} dBFS)")
    want = {n + e for n in names for e in EXTS}
    problems += [f"extra file moh/{f}" for f in sorted(files_under(moh) - want)]
    if len(names) < 2:
        problems.append(f"{len(names)} melodies, want at least 2")
    tap.check(f"music on hold: {len(names)} melodies of 20-40 s, both formats", problems)


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.environ.get("top_srcdir") or os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."),
        "sounds")
    print("1..6")
    tap = Tap()
    count = check_prompts(tap, top)
    check_moh(tap, top)
    size = sum(os.path.getsize(os.path.join(top, d, f))
               for d in ("en", "moh") for f in files_under(os.path.join(top, d)))
    print(f"# {count} prompts; en/ and moh/ hold {size / 1e6:.1f} MB")
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
