"""Local-disk storage under UPLOAD_FOLDER.

Bytes arrive in ``tmp/`` and are fsynced before any database row can point at them, then
hard-linked under their key, so a crash at any moment leaves either nothing or a whole file,
never a torn one. Leftovers in ``tmp/`` from a crash are swept at start-up.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path
from typing import IO

from chat.storage import Staged, TooBig

CHUNK = 1024 * 1024
HEAD = 8192


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def _target(self, key: str) -> Path:
        target = (self.root / key).resolve()
        if self.root.resolve() not in target.parents:
            raise ValueError(f"storage key escapes the storage root: {key!r}")
        return target

    def stage(self, stream: IO[bytes], max_bytes: int) -> Staged:
        digest = hashlib.sha256()
        size = 0
        head = b""
        fd, name = tempfile.mkstemp(dir=self.tmp, prefix="upload-")
        path = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooBig(max_bytes)
                    if len(head) < HEAD:
                        head += chunk[: HEAD - len(head)]
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return Staged(path=path, sha256=digest.hexdigest(), size=size, head=head)

    def keep(self, staged: Staged, key: str) -> None:
        target = self._target(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(staged.path, target)
        except FileExistsError:
            pass  # same key, same bytes: kept once

    def discard(self, staged: Staged) -> None:
        staged.path.unlink(missing_ok=True)

    def put(self, source: Path, key: str) -> None:
        target = self._target(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)

    def path(self, key: str) -> Path | None:
        target = self._target(key)
        return target if target.is_file() else None

    def rename(self, key: str, new_key: str) -> bool:
        target = self._target(new_key)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(self._target(key), target)
        except FileNotFoundError:
            return False
        return True

    def delete(self, key: str) -> None:
        self._target(key).unlink(missing_ok=True)

    def listing(self, prefix: str) -> list[tuple[str, int, float]]:
        folder = self._target(prefix)
        found = []
        for path in folder.rglob("*") if folder.is_dir() else ():
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue  # removed meanwhile
            if path.is_file():
                found.append((path.relative_to(self.root.resolve()).as_posix(), stat.st_size, stat.st_mtime))
        return found

    def scratch(self) -> Path:
        return self.tmp

    def sweep(self, older_than_s: float = 3600) -> int:
        """Remove temporary files left by a crash; returns how many."""
        cutoff = time.time() - older_than_s
        removed = 0
        for entry in self.tmp.iterdir():
            try:
                if entry.stat().st_mtime < cutoff:
                    entry.unlink()
                    removed += 1
            except FileNotFoundError:
                pass
        return removed
