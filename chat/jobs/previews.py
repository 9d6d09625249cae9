"""Making a shared file's preview (docs/files.md)."""
from __future__ import annotations

from chat.core.jobs import job
from chat.services.files import previews


@job(previews.PREVIEW_JOB, retries=3, retry_delay=5, backoff=3, gave_up=previews.give_up)
def make_preview(file_id: int) -> None:
    """Preview one file (and every pending file with the same content). A file already done,
    deleted or gone is left as it is; a file the preview worker cannot handle gets ``failed``.
    Retries are for the rest (the database or storage failing); after the last one the file
    gets ``failed`` too, so its card stops waiting."""
    previews.make_preview(file_id)
