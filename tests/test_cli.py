"""The administration commands, run as an operator would, against a real database file."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import requests

from tests.support import ROOT, start_server


def flask(instance: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CHAT_INSTANCE_DIR": str(instance), "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "1024"}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], check=False, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_operator_sets_up_a_workspace_from_the_command_line(tmp_path: Path) -> None:
    assert flask(tmp_path, "db", "upgrade").returncode == 0
    made = flask(tmp_path, "create-user", "Ann@Example.test", "--name", "Ann Admin", "--username", "ann",
                 "--password", "a long password")
    assert made.returncode == 0, made.stderr
    ben = flask(tmp_path, "create-user", "ben@example.test", "--name", "Ben", "--password", "another password")
    assert ben.returncode == 0
    ws = flask(tmp_path, "create-workspace", "Initech", "--owner", "ann@example.test")
    assert ws.returncode == 0, ws.stderr
    workspace_id = ws.stdout.split()[1]
    assert flask(tmp_path, "add-member", workspace_id, "ben@example.test", "--role", "admin").returncode == 0
    ch = flask(tmp_path, "create-channel", workspace_id, "announcements", "--by", "ann@example.test", "--broadcast")
    assert ch.returncode == 0, ch.stderr

    # Mistakes are reported, not half-done.
    dup = flask(tmp_path, "create-user", "ann@example.test", "--name", "Again", "--password", "a long password")
    assert dup.returncode != 0 and "email_taken" in dup.stderr
    missing = flask(tmp_path, "add-member", workspace_id, "nobody@example.test")
    assert missing.returncode != 0 and "no user" in missing.stderr

    # What the CLI made is what the server serves.
    server = start_server(tmp_path)
    try:
        token = requests.post(server.url + "/api/v1/auth/token",
                              json={"email": "ben@example.test", "password": "another password"}).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        workspaces = requests.get(server.url + "/api/v1/workspaces", headers=auth).json()["workspaces"]
        assert [(w["name"], w["role"]) for w in workspaces] == [("Initech", "admin")]
        browse = requests.get(f"{server.url}/api/v1/workspaces/{workspace_id}/channels/browse", headers=auth).json()
        names = {c["name"]: c for c in browse["channels"]}
        assert names["announcements"]["broadcast"] is True and "general" in names
    finally:
        server.stop()
