#!/usr/bin/env python3
"""Writes Tests/Fixtures/gzip: GZIP files made by Python's zlib (a second implementation of
DEFLATE) for credq's own reader, with expected.tsv giving each file's length and SHA-256."""
import gzip, hashlib, os, random, zlib

here = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "gzip")
os.makedirs(here, exist_ok=True)
rng = random.Random(17)
bitstring = bytearray(16384)
for index in (0, 23, 4095, 131071):
    bitstring[index // 8] |= 0x80 >> (index % 8)
inputs = {
    "empty": b"",
    "hello": b"hello, credentials\n",
    "random": bytes(rng.randrange(256) for _ in range(66000)),
    "text": b"".join(b"badge %d of the pathway; " % (i % 97) for i in range(1500)),
    "bitstring": bytes(bitstring),
}
rows = []
for name, data in inputs.items():
    for level in ((0, 9) if name == "random" else (0, 1, 9)):
        file = f"{name}-{level}.gz"
        with open(os.path.join(here, file), "wb") as out:
            out.write(gzip.compress(data, compresslevel=level, mtime=0))
        rows.append(f"{file}\t{len(data)}\t{hashlib.sha256(data).hexdigest()}")
# Fixed Huffman codes only (zlib's Z_FIXED strategy), wrapped as GZIP by hand.
for name in ("hello", "text"):
    c = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_FIXED)
    body = c.compress(inputs[name]) + c.flush()
    data = inputs[name]
    trailer = zlib.crc32(data).to_bytes(4, "little") + (len(data) & 0xFFFFFFFF).to_bytes(4, "little")
    file = f"{name}-fixed.gz"
    with open(os.path.join(here, file), "wb") as out:
        out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + body + trailer)
    rows.append(f"{file}\t{len(data)}\t{hashlib.sha256(data).hexdigest()}")
with open(os.path.join(here, "expected.tsv"), "w") as out:
    out.write("# file\tlength\tsha256 (scripts/make-gzip-fixtures.py)\n" + "\n".join(rows) + "\n")
