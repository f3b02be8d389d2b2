"""Grows a wasm module to a given size with a custom section of random bytes (valid, still
runs, incompressible): for pushing large modules in the push tests and benchmarks.

Usage: python3 grow_wasm.py MODULE.wasm BYTES   (BYTES of random payload are appended)
"""
import os
import sys


def leb128(n):
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


path, size = sys.argv[1], int(sys.argv[2])
payload = leb128(3) + b"pad" + os.urandom(size)
with open(path, "ab") as f:
    f.write(b"\x00" + leb128(len(payload)) + payload)
