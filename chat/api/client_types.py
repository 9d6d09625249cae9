"""The API document as the browser client's type generator reads it: ``npm run api-types``.

    python -m chat.api.client_types > openapi.json

The OpenAPI document (chat/api/openapi.py) with the socket events of ``x-socket-events`` also
listed as one schema, ``SocketEvents`` (event name -> data), so that openapi-typescript gives the
client types for both from one source. tests/test_client_types.py fails when
static/src/api/schema.ts no longer matches what this prints.
"""
from __future__ import annotations

import json
import sys
import tempfile
from typing import Any

from chat import create_app
from chat.api.openapi import document


def client_document() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"INSTANCE_DIR": instance, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                          "CHAT_ASYNC_MODE": "threading", "MESSAGE_QUEUE_URL": None, "AUTO_MIGRATE": False,
                          "JOB_WORKERS": 0, "TESTING": True})
        with app.app_context():
            doc = json.loads(json.dumps(document()))  # a copy: the app keeps its own
    events = doc.pop("x-socket-events")
    doc["components"]["schemas"]["SocketEvents"] = {
        "type": "object", "description": "Server-to-client Socket.IO events: event name -> data.",
        "properties": events, "required": sorted(events), "additionalProperties": False,
    }
    return doc


if __name__ == "__main__":
    json.dump(client_document(), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
