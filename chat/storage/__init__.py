"""Bytes only. Services decide who may read what; storage keeps and returns bytes by key.

Local disk is the one implementation today; object storage would be the second, behind the
same few methods.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from flask import Flask, current_app


class TooBig(Exception):
    """The stream went past the byte limit given to stage(); nothing was kept."""


@dataclass
class Staged:
    """Bytes received and fsynced in a temporary place, not yet kept under a key."""

    path: Path
    sha256: str
    size: int
    head: bytes  # the first bytes, for sniffing the type


class Storage(Protocol):
    def stage(self, stream: IO[bytes], max_bytes: int) -> Staged:
        """Copy the stream to a temporary place, hashing it; raise TooBig past max_bytes."""

    def keep(self, staged: Staged, key: str) -> None:
        """Make the staged bytes readable under key. Keeping an existing key changes nothing."""

    def discard(self, staged: Staged) -> None:
        """Forget the temporary copy (after keep, or instead of it)."""

    def put(self, source: Path, key: str) -> None:
        """Move a finished file (a thumbnail) under key."""

    def path(self, key: str) -> Path | None:
        """A local path to serve or read the bytes from, or None when the key is not there."""

    def rename(self, key: str, new_key: str) -> bool:
        """Move key to new_key; False when key was not there."""

    def delete(self, key: str) -> None:
        """Remove key if present."""

    def listing(self, prefix: str) -> list[tuple[str, int, float]]:
        """(key, size in bytes, Unix time last written) of every key under the folder prefix."""

    def scratch(self) -> Path:
        """A private directory for temporary files on the same volume."""

    def sweep(self, older_than_s: float = 3600) -> int:
        """Remove temporary files a crash left behind; returns how many."""


def storage() -> Storage:
    return current_app.extensions["chat.storage"]


def init_app(app: Flask) -> None:
    from chat.storage.local import LocalStorage

    app.extensions["chat.storage"] = LocalStorage(Path(app.config["UPLOAD_FOLDER"]))
