#!/usr/bin/env python3
"""bench/heap-residue.py PID - where a running Lyre's resident heap is.

For the "RSS after a load" figure: walks glibc's main heap and its other
arenas in the live process (chunk headers read from /proc/PID/mem, which
pages are resident from /proc/PID/pagemap) and finds every thread's
malloc cache (tcache).  Prints, per heap, the resident kB by what the page
holds (a block in use, only free blocks, only the top chunk), and per
thread how many cached blocks it holds and how many lie past the heap's
first MB (blocks of a load, each keeping a page resident).

Reads glibc 2.36 (Debian 12) x86-64 internals: 16-byte chunks with the
size at +8, arenas in 64 MB-aligned heaps, the tcache as 64 counts and 64
list heads with safe-linked next pointers.  Run as root while the daemon
runs; it only reads.  Example: bench/heap-residue.py $(pidof lyre)
"""
import os
import struct
import sys

PAGE = 4096
HEAP_MAX = 64 << 20
HEAP_INFO = 48            # sizeof(heap_info)
STATE_TOP = 96            # offsetof(struct malloc_state, top)
STATE_SIZE = 2200         # sizeof(struct malloc_state)
TCACHE_CHUNK = 0x291      # size field of a tcache_perthread_struct's chunk


class Proc:
    def __init__(self, pid):
        self.pid = pid
        self.mem = open(f'/proc/{pid}/mem', 'rb')
        self.pagemap = open(f'/proc/{pid}/pagemap', 'rb')
        self.maps = []
        for line in open(f'/proc/{pid}/maps'):
            f = line.split()
            lo, hi = (int(x, 16) for x in f[0].split('-'))
            self.maps.append((lo, hi, f[1], f[5] if len(f) > 5 else ''))

    def read(self, addr, n):
        try:
            self.mem.seek(addr)
            return self.mem.read(n)
        except OSError:
            return b''

    def word(self, addr):
        b = self.read(addr, 8)
        return struct.unpack('<Q', b)[0] if len(b) == 8 else 0

    def resident(self, lo, hi):
        self.pagemap.seek((lo // PAGE) * 8)
        raw = self.pagemap.read(((hi - lo) // PAGE) * 8)
        return {lo + i * PAGE for i in range(len(raw) // 8)
                if struct.unpack_from('<Q', raw, i * 8)[0] >> 63}


def walk(p, first, end):
    """Chunks from first up to end (the top chunk is the last one)."""
    chunks = []
    a = first
    while a + 16 <= end:
        size = p.word(a + 8) & ~7
        if size < 32 or a + size > end:
            break
        chunks.append((a, size))
        a += size
    return chunks


def report(p, name, lo, hi, chunks):
    res = p.resident(lo, hi)
    kinds = {}
    for i, (a, size) in enumerate(chunks):
        if i == len(chunks) - 1:
            kind = 'top'
        else:
            kind = 'used' if p.word(chunks[i + 1][0] + 8) & 1 else 'free'
        for pg in range(a // PAGE * PAGE, a + size, PAGE):
            if pg in res:
                kinds.setdefault(pg, set()).add(kind)
    by = {'used': 0, 'free': 0, 'top': 0}
    for ks in kinds.values():
        by['used' if 'used' in ks else 'free' if 'free' in ks else 'top'] += PAGE // 1024
    top = chunks[-1][1] if chunks else 0
    print(f'{name}: {(hi - lo) // 1024} kB mapped, {len(res) * 4} kB resident: '
          f'{by["used"]} kB with blocks in use, {by["free"]} kB only free, '
          f'{by["top"]} kB top ({top // 1024} kB top chunk); {len(chunks)} chunks')


def heaps(p):
    """(name, lo, hi, first chunk, end) of the main heap and each arena heap."""
    brk = [(lo, hi) for lo, hi, _, n in p.maps if n == '[heap]']
    if brk:
        yield 'main heap', brk[0][0], brk[-1][1], brk[0][0], brk[-1][1]
    for lo, hi, perm, n in p.maps:
        if lo % HEAP_MAX or not perm.startswith('rw') or n or p.word(lo) != lo + HEAP_INFO:
            continue
        top = p.word(lo + HEAP_INFO + STATE_TOP)
        first = lo + HEAP_INFO + STATE_SIZE
        first += (-(first + 16)) % 16    # chunk2mem 16-aligned
        end = top + (p.word(top + 8) & ~7)
        yield f'arena at {lo:#x}', lo, hi, first, end


def tcaches(p, load_from, load_to):
    """Every tcache: where it is, how many blocks, how many in [load_from, load_to)."""
    found = []
    for lo, hi, perm, n in p.maps:
        if not perm.startswith('rw') or n not in ('', '[heap]'):
            continue
        # resident pages only: reading the others would map the zero page
        # into them, and pagemap would then call them present
        for base in sorted(p.resident(lo, hi)):
            b = p.read(base, PAGE)
            i = b.find(struct.pack('<Q', TCACHE_CHUNK))
            while i != -1:
                if (base + i - 8) % 16 == 0:
                    found.append(base + i + 8)
                i = b.find(struct.pack('<Q', TCACHE_CHUNK), i + 1)
    for t in found:
        b = p.read(t, 0x280)
        if len(b) < 0x280:
            continue
        counts = struct.unpack_from('<64H', b, 0)
        heads = struct.unpack_from('<64Q', b, 128)
        if max(counts) > 64 or sum(counts) == 0:
            continue
        total = late = 0
        for count, e in zip(counts, heads):
            for _ in range(count):
                if not e:
                    break
                total += 1
                late += load_from <= e < load_to
                e = (e >> 12) ^ p.word(e)    # safe-linking
        if total:
            yield t, total, late


def thread_of(p, tcache):
    """The thread whose stack mapping (TLS at its top) points at tcache."""
    stacks = {}
    for tid in os.listdir(f'/proc/{p.pid}/task'):
        comm = open(f'/proc/{p.pid}/task/{tid}/comm').read().strip()
        sc = open(f'/proc/{p.pid}/task/{tid}/syscall').read().split()
        sp = int(sc[-2], 16) if len(sc) > 2 else 0
        for lo, hi, _, _ in p.maps:
            if lo <= sp < hi:
                stacks[(lo, hi)] = f'{comm} ({tid})'
    want = struct.pack('<Q', tcache)
    for lo, hi, perm, n in p.maps:
        if not perm.startswith('rw') or n == '[heap]' or hi - lo > 16 << 20:
            continue
        if any(p.read(pg, PAGE).find(want) != -1 for pg in sorted(p.resident(lo, hi))):
            # only the main thread's TLS lies outside a thread stack
            return stacks.get((lo, hi), f'the main thread (TLS in map {lo:#x})')
    return 'no live thread (a dead thread\'s, freed)'


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    p = Proc(int(sys.argv[1]))
    load_from = load_to = 0
    for name, lo, hi, first, end in heaps(p):
        report(p, name, lo, hi, walk(p, first, end))
        if name == 'main heap':
            load_from, load_to = lo + (1 << 20), hi
    for t, total, late in tcaches(p, load_from, load_to):
        print(f'malloc cache of {thread_of(p, t)}: {total} blocks, '
              f'{late} past the main heap\'s first MB')


if __name__ == '__main__':
    main()
