"""Make a preview of one file, in a process of its own.

Run as ``python -I worker.py KIND SOURCE THUMBNAIL --memory BYTES --cpu SECONDS``. It limits its
own address space and CPU time before it touches the file, so a hostile PDF or a decompression
bomb can only kill this process, never the chat server; the server also kills it after a wall
clock timeout. On success it writes a WebP thumbnail and prints one JSON object:
``{"page_count", "width", "height", "text"}``. On failure it prints ``{"error": ...}`` and exits 2.

It imports nothing from the chat package, so it starts quickly and runs nothing it doesn't need.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import warnings
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the functions import Pillow themselves, when they run
    from PIL import Image

THUMBNAIL_BOX = (480, 480)
MAX_IMAGE_PIXELS = 50_000_000       # about 7000 x 7000; more is treated as a decompression bomb
MAX_TEXT_CHARS = 1_000_000          # enough to search a long report, bounded for the database
MAX_TEXT_PAGES = 2_000
TEXT_BUDGET_S = 10.0                # text extraction stops early rather than hit the CPU limit


class PreviewError(Exception):
    pass


def limit(memory_bytes: int, cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


def _save_thumbnail(image: Image.Image, out: str) -> None:
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "transparency" in image.info or image.mode in ("LA", "PA") else "RGB")
    image.save(out, "WEBP", quality=80, method=4)


def pdf_preview(source: str, out: str) -> dict:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(source)
    except pdfium.PdfiumError as err:
        # Broken, truncated or password-protected.
        raise PreviewError(f"cannot open the PDF: {err}") from None
    pages = len(pdf)
    if pages < 1:
        raise PreviewError("the PDF has no pages")
    first = pdf[0]
    width, height = first.get_size()
    if not (width > 0 and height > 0):
        raise PreviewError("the first page has no size")
    scale = min(THUMBNAIL_BOX[0] / width, THUMBNAIL_BOX[1] / height)
    _save_thumbnail(first.render(scale=scale).to_pil(), out)

    # Text for search, page by page until a budget runs out: a 5,000-page file is still
    # previewed and searchable by its first pages instead of failing.
    started = time.monotonic()
    parts: list[str] = []
    total = 0
    for index in range(min(pages, MAX_TEXT_PAGES)):
        if total >= MAX_TEXT_CHARS or time.monotonic() - started > TEXT_BUDGET_S:
            break
        try:
            text = pdf[index].get_textpage().get_text_range()
        except pdfium.PdfiumError:
            continue
        parts.append(text)
        total += len(text)
    text = "\n".join(parts)[:MAX_TEXT_CHARS].replace("\x00", "")
    return {"page_count": pages, "width": round(width), "height": round(height), "text": text}


def image_preview(source: str, out: str) -> dict:
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    try:
        with Image.open(source) as image:
            width, height = image.size
            image.draft("RGB", THUMBNAIL_BOX)  # JPEG: decode at reduced size, far less memory
            image.thumbnail(THUMBNAIL_BOX)
            _save_thumbnail(image, out)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PreviewError("the image is too large to preview") from None
    except (OSError, ValueError, SyntaxError) as err:
        raise PreviewError(f"cannot read the image: {err}") from None
    return {"page_count": None, "width": width, "height": height, "text": None}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["pdf", "image"])
    parser.add_argument("source")
    parser.add_argument("thumbnail")
    parser.add_argument("--memory", type=int, default=1024 * 1024 * 1024)
    parser.add_argument("--cpu", type=int, default=30)
    args = parser.parse_args(argv)
    limit(args.memory, args.cpu)
    try:
        result = (pdf_preview if args.kind == "pdf" else image_preview)(args.source, args.thumbnail)
    except PreviewError as err:
        print(json.dumps({"error": str(err)}))
        return 2
    except MemoryError:
        print(json.dumps({"error": "the file needs too much memory to preview"}))
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
