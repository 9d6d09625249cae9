"""The browser client's payload types (static/src/api/schema.ts) are generated from the server's
API document; this fails when a server change was not carried to them (`npm run api-types`)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from chat.api.client_types import client_document

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "node_modules" / ".bin" / "openapi-typescript"


def test_client_types_match_the_api_document(tmp_path: Path) -> None:
    if not GENERATOR.exists():
        pytest.fail("node_modules is missing: run `npm ci` (bash .ci/test does)")
    source = tmp_path / "openapi.json"
    source.write_text(json.dumps(client_document(), indent=1, sort_keys=True) + "\n")
    out = tmp_path / "schema.ts"
    subprocess.run([str(GENERATOR), str(source), "--output", str(out)], check=True, cwd=ROOT,
                   capture_output=True)
    committed = (ROOT / "static" / "src" / "api" / "schema.ts").read_text()
    assert out.read_text() == committed, (
        "static/src/api/schema.ts is out of date with the server's API document: run `npm run api-types`")

