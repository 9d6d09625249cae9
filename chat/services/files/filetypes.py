"""What a file is, from its first bytes, and a name that is safe to show and to send back.

The name a browser sends is never trusted for the type: a file called report.pdf that does not
start like a PDF is stored as a plain file and gets no preview.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from chat.core import limits
from chat.core.errors import Invalid
from chat.core.validation import strip_hidden
from chat.models import FileKind

MAX_NAME_LENGTH = limits.FILE_NAME_LENGTH
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# Images the browser shows inline: raster formats only. SVG can carry script and is never
# treated as an image here.
_IMAGES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def sniff(head: bytes) -> tuple[FileKind, str]:
    """(kind, content type) from the first bytes of a file."""
    # The PDF header may follow a little junk; PDF readers look in the first 1024 bytes.
    if b"%PDF-" in head[:1024]:
        return FileKind.pdf, "application/pdf"
    for magic, content_type in _IMAGES:
        if head.startswith(magic):
            return FileKind.image, content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FileKind.image, "image/webp"
    if _looks_like_text(head):
        return FileKind.other, "text/plain"
    return FileKind.other, "application/octet-stream"


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as err:
        # A multi-byte character cut at the end of the sample is still text.
        return err.start >= len(head) - 3
    return True


def check_file_name(value: Any) -> str:
    """The name to store: the last part of a path, without control characters (refused) or
    invisible and direction-changing ones (dropped)."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid("every file needs a name", field="name", code="invalid_file_name")
    if _CONTROL.search(value):
        raise Invalid("the file name contains control characters", field="name", code="invalid_file_name")
    # Invisible and direction-changing characters are dropped, not refused: "exe.\u202etxt.exe"
    # would show as "exe.exe.txt" (validation.hidden_characters), but an upload should not fail
    # over its name. Some browsers and scripts send a whole path; only its last part names the file.
    name = re.split(r"[\\/]", strip_hidden(unicodedata.normalize("NFC", value)))[-1].strip()
    if name in ("", ".", ".."):
        raise Invalid("the file name is empty once its folders are removed", field="name",
                      code="invalid_file_name")
    if len(name) > MAX_NAME_LENGTH:
        _, dot, ext = name.rpartition(".")
        keep = ext if dot and len(ext) <= 16 else ""
        name = name[: MAX_NAME_LENGTH - len(keep) - 1] + "." + keep if keep else name[:MAX_NAME_LENGTH]
    return name
