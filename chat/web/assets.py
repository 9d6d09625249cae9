"""The browser client's built files: which hashed files make up each page, and how long they keep.

``npm run build`` (Vite, vite.config.ts) writes the client into static/dist with a manifest that
maps each entry to its hashed output files. A page names its entry by its ``input`` name in
vite.config.ts (``{{ entry_tags("chat") }}``) and gets the script, the chunks it imports
(preloaded) and its styles. A hashed name changes whenever the content does, so those files are
cached for a year.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, request
from markupsafe import Markup, escape

DIST_URL = "/static/dist/"
IMMUTABLE = "public, max-age=31536000, immutable"


class ClientNotBuilt(RuntimeError):
    """static/dist has no manifest: the client was never built."""

    def __init__(self, path: str) -> None:
        super().__init__(f"the browser client is not built ({path} is missing): run `npm ci && npm run build`")


@dataclass(frozen=True)
class _Entry:
    script: str | None
    preloads: tuple[str, ...]
    styles: tuple[str, ...]


class Manifest:
    """Vite's manifest, read once (again when its file changes, for `npm run dev`)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._mtime: float | None = None
        self._entries: dict[str, _Entry] = {}

    def entry(self, name: str) -> _Entry:
        try:
            mtime = os.stat(self.path).st_mtime
        except FileNotFoundError:
            raise ClientNotBuilt(self.path) from None
        if mtime != self._mtime:
            with open(self.path, encoding="utf-8") as f:
                self._entries = _read(json.load(f))
            self._mtime = mtime
        return self._entries[name]


def _imports(chunks: dict[str, Any], key: str, seen: dict[str, None]) -> dict[str, None]:
    """Every chunk that ``key`` imports statically, depth first, each once."""
    for imported in chunks[key].get("imports", []):
        if imported not in seen:
            seen[imported] = None
            _imports(chunks, imported, seen)
    return seen


def _read(chunks: dict[str, Any]) -> dict[str, _Entry]:
    """Each entry of vite.config.ts's ``input``, by its name there."""
    entries: dict[str, _Entry] = {}
    for source, chunk in chunks.items():
        if not chunk.get("isEntry"):
            continue
        name = chunk["name"]
        if chunk["file"].endswith(".css"):
            entries[name] = _Entry(script=None, preloads=(), styles=(chunk["file"],))
            continue
        # A chunk's static imports load before it runs: preload them all, with their styles.
        imported = list(_imports(chunks, source, {}))
        styles = [*chunk.get("css", []), *(css for key in imported for css in chunks[key].get("css", []))]
        entries[name] = _Entry(script=chunk["file"], preloads=tuple(chunks[key]["file"] for key in imported),
                               styles=tuple(dict.fromkeys(styles)))
    return entries


def entry_tags(manifest: Manifest, name: str) -> Markup:
    """The <link> and <script> tags that load entry ``name``."""
    entry = manifest.entry(name)
    tags = [f'<link rel="stylesheet" href="{escape(DIST_URL + path)}">' for path in entry.styles]
    tags += [f'<link rel="modulepreload" href="{escape(DIST_URL + path)}">' for path in entry.preloads]
    if entry.script:
        tags.append(f'<script type="module" src="{escape(DIST_URL + entry.script)}"></script>')
    return Markup("\n".join(tags))


def init_app(app: Flask) -> None:
    assert app.static_folder is not None
    manifest = Manifest(os.path.join(app.static_folder, "dist", ".vite", "manifest.json"))
    if not os.path.exists(manifest.path) and not app.testing:
        app.logger.warning("%s", ClientNotBuilt(manifest.path))
    app.jinja_env.globals["entry_tags"] = lambda name: entry_tags(manifest, name)

    @app.after_request
    def _cache_hashed_files(response: Response) -> Response:
        # Hashed names never change content; everything else under static/ revalidates.
        if request.path.startswith(DIST_URL + "assets/") and response.status_code == 200:
            response.headers["Cache-Control"] = IMMUTABLE
        return response
