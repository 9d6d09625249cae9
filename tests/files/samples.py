"""Files for the file-sharing tests, made in code: real PDFs with text, images, and hostile ones."""
from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def pdf(pages: list[str], *, encrypted: bool = False) -> bytes:
    """A valid PDF with one line of Helvetica text per page. Pages with the same text share
    one content stream, so thousands of pages stay small."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below, once the page tree exists
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    streams: dict[str, int] = {}
    for line in dict.fromkeys(pages):
        text = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1")
        content = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
        streams[line] = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    tree = len(objects) + 1 + len(pages)
    kids = [add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (tree, streams[line], font)) for line in pages]
    assert add(b"<< /Type /Pages /Kids [%s] /Count %d >>"
               % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))) == tree
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % tree
    trailer_extra = b""
    if encrypted:
        # A standard security handler entry with keys that match no password: readers must refuse it.
        enc = add(b"<< /Filter /Standard /V 2 /R 3 /Length 128 /P -3904 /O <%s> /U <%s> >>"
                  % (b"ab" * 32, b"cd" * 32))
        trailer_extra = b" /Encrypt %d 0 R /ID [<%s> <%s>]" % (enc, b"01" * 16, b"01" * 16)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R%s >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, catalog, trailer_extra, xref))
    return out.getvalue()


def png(width: int = 640, height: int = 480, color: str = "teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def png_bomb(side: int = 20_000) -> bytes:
    """A tiny PNG that claims side x side pixels (400 million by default): a decompression bomb."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"\x00" * ((side + 7) // 8)  # 1-bit greyscale, filter byte 0
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", data) + chunk(b"IEND", b""))
