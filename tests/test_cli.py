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


def test_operator_makes_a_bot_whose_output_a_shell_can_eval(tmp_path: Path) -> None:
    assert flask(tmp_path, "db", "upgrade").returncode == 0
    assert flask(tmp_path, "create-user", "ann@example.test", "--name", "Ann", "--password", "a long password",
                 ).returncode == 0
    assert flask(tmp_path, "create-user", "ben@example.test", "--name", "Ben", "--password", "another password",
                 ).returncode == 0
    workspace_id = flask(tmp_path, "create-workspace", "Initech", "--owner", "ann@example.test").stdout.split()[1]
    assert flask(tmp_path, "add-member", workspace_id, "ben@example.test").returncode == 0

    made = flask(tmp_path, "create-bot", workspace_id, "Build Bot", "--by", "ann@example.test",
                 "--handle", "builder", "--description", "it's a bot; it builds")
    assert made.returncode == 0, made.stderr
    # What `eval "$(flask --app app create-bot ...)"` leaves in the shell.
    script = 'eval "$1"; printf "%s\\n" "$BOT_ID" "$BOT_TOKEN" "$BOT_TOKEN_ID" "$SIGNING_SECRET"'
    shell = subprocess.run(["sh", "-c", script, "sh", made.stdout], capture_output=True, text=True, check=True)
    bot_id, token, token_id, signing_secret = shell.stdout.split("\n")[:4]
    assert bot_id.isdigit() and token.startswith("chat_") and len(signing_secret) == 32

    # Only admins make bots; a bot's address never works as a person's.
    refused = flask(tmp_path, "create-bot", workspace_id, "Nope", "--by", "ben@example.test")
    assert refused.returncode != 0 and "admin_only" in refused.stderr
    assert flask(tmp_path, "add-member", workspace_id, "builder@bots.invalid").returncode == 0  # already in
    listed = flask(tmp_path, "list-bots", workspace_id)
    assert listed.stdout.splitlines() == [f"bot {bot_id} @builder active tokens=1 Build Bot"]

    server = start_server(tmp_path)
    try:
        auth = {"Authorization": f"Bearer {token}"}
        me = requests.get(server.url + "/api/v1/me", headers=auth, timeout=20).json()
        assert me["id"] == int(bot_id) and me["is_bot"] is True
        channels = requests.get(f"{server.url}/api/v1/workspaces/{workspace_id}/channels", headers=auth,
                                timeout=20).json()["channels"]
        assert [c["name"] for c in channels] == ["general"]  # the default channels, nothing more
        general = channels[0]["id"]
        sent = requests.post(f"{server.url}/api/v1/channels/{general}/messages", json={"body": "hello"},
                             headers=auth, timeout=20)
        assert sent.status_code == 201 and sent.json()["author"]["is_bot"] is True

        revoked = flask(tmp_path, "revoke-bot-token", token_id)
        assert revoked.stdout == f"revoked token {token_id} ({token[:12]}...) of bot {bot_id}\n", revoked.stderr
        assert requests.get(server.url + "/api/v1/me", headers=auth, timeout=20).status_code == 401
    finally:
        server.stop()
    assert "tokens=0" in flask(tmp_path, "list-bots", workspace_id).stdout
    assert flask(tmp_path, "revoke-bot-token", "--bot", bot_id).stdout == ""  # none left
    # Tokens of people are not the command's business.
    assert "no bot token" in flask(tmp_path, "revoke-bot-token", "999").stderr


def test_operator_makes_a_slash_command_whose_output_a_shell_can_eval(tmp_path: Path) -> None:
    assert flask(tmp_path, "db", "upgrade").returncode == 0
    assert flask(tmp_path, "create-user", "ann@example.test", "--name", "Ann", "--password", "a long password",
                 ).returncode == 0
    assert flask(tmp_path, "create-user", "ben@example.test", "--name", "Ben", "--password", "another password",
                 ).returncode == 0
    workspace_id = flask(tmp_path, "create-workspace", "Initech", "--owner", "ann@example.test").stdout.split()[1]
    assert flask(tmp_path, "add-member", workspace_id, "ben@example.test").returncode == 0

    made = flask(tmp_path, "create-slash-command", workspace_id, "/Deploy", "https://deploy.example.test/slack",
                 "--by", "ann@example.test", "--description", "Ship it; now", "--usage-hint", "[env]")
    assert made.returncode == 0, made.stderr
    script = 'eval "$1"; printf "%s\\n" "$SLASH_COMMAND_ID" "$SLASH_COMMAND_TOKEN" "$SIGNING_SECRET"'
    shell = subprocess.run(["sh", "-c", script, "sh", made.stdout], capture_output=True, text=True, check=True)
    command_id, token, secret = shell.stdout.split("\n")[:3]
    assert command_id.isdigit() and len(token) == 24 and len(secret) == 32

    for refused, why in ((("/deploy", "https://x.example.test", "--by", "ann@example.test"), "name_taken"),
                         (("/help", "https://x.example.test", "--by", "ann@example.test"), "name_taken"),
                         (("/other", "ftp://x", "--by", "ann@example.test"), "invalid"),
                         (("/other", "https://x.example.test", "--by", "ben@example.test"), "admin_only")):
        answer = flask(tmp_path, "create-slash-command", workspace_id, *refused)
        assert answer.returncode != 0 and why in answer.stderr, answer.stderr

    server = start_server(tmp_path)
    try:
        token_of_ben = requests.post(server.url + "/api/v1/auth/token", timeout=20,
                                     json={"email": "ben@example.test", "password": "another password"}).json()
        listed = requests.get(f"{server.url}/api/v1/workspaces/{workspace_id}/commands", timeout=20,
                              headers={"Authorization": f"Bearer {token_of_ben['token']}"}).json()["commands"]
        assert {"name": "/deploy", "description": "Ship it; now", "usage_hint": "[env]", "builtin": False} in listed
    finally:
        server.stop()


def test_operator_makes_an_outgoing_webhook_whose_output_a_shell_can_eval(tmp_path: Path) -> None:
    assert flask(tmp_path, "db", "upgrade").returncode == 0
    for email in ("ann@example.test", "ben@example.test"):
        assert flask(tmp_path, "create-user", email, "--name", "Someone", "--password", "a long password"
                     ).returncode == 0
    workspace_id = flask(tmp_path, "create-workspace", "Initech", "--owner", "ann@example.test").stdout.split()[1]
    assert flask(tmp_path, "add-member", workspace_id, "ben@example.test").returncode == 0

    made = flask(tmp_path, "create-outgoing-webhook", workspace_id, "--by", "ann@example.test", "--name", "Deployer",
                 "--url", "https://ci.example.test/hook", "--trigger", "deploy", "--trigger", "ship",
                 "--starts-with", "--form")
    assert made.returncode == 0, made.stderr
    script = 'eval "$1"; printf "%s\\n" "$OUTGOING_WEBHOOK_ID" "$OUTGOING_WEBHOOK_TOKEN"'
    shell = subprocess.run(["sh", "-c", script, "sh", made.stdout], capture_output=True, text=True, check=True)
    hook_id, token = shell.stdout.split("\n")[:2]
    assert hook_id.isdigit() and len(token) == 26 and token.isalnum()

    # Only admins make them; one for any public channel needs trigger words.
    refused = flask(tmp_path, "create-outgoing-webhook", workspace_id, "--by", "ben@example.test",
                    "--url", "https://ci.example.test/hook", "--trigger", "x")
    assert refused.returncode != 0 and "admin_only" in refused.stderr
    vague = flask(tmp_path, "create-outgoing-webhook", workspace_id, "--by", "ann@example.test",
                  "--url", "https://ci.example.test/hook")
    assert vague.returncode != 0 and "trigger_words" in vague.stderr
