"""The OpenAPI 3 description of this API, served at /api/v1/openapi.json."""
from __future__ import annotations

from typing import Any

from flask import jsonify

from chat.api import api


def spec() -> dict[str, Any]:
    return {"openapi": "3.1.0", "info": {"title": "Chat API", "version": "1"}, "paths": {}}


@api.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    return jsonify(spec())
