"""Presence with many people: a reconnect storm costs frames in proportion to the number of
people, not its square, and a process that dies takes its people offline within the timeout."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REDIS_URL
from tests.support import Person, SocketClient, create_workspace, invite, sign_up, start_server

PUSH_LIMIT = 8


def _storm(people: list[Person], workspace_id: int, general_id: int) -> int:
    """Connect everyone one after another; the presence.changed frames all of them received."""
    sockets = [p.socket() for p in people]
    try:
        # The connect handlers published their presence before this message: once every socket
        # has the message, every presence frame of the storm has arrived.
        sent = people[0].post(f"/channels/{general_id}/messages", {"body": "storm over"})
        for s in sockets:
            s.wait_for("message.created", lambda e: e["data"]["id"] == sent["id"], timeout=30)
        return sum(1 for s in sockets for d in s.events("presence.changed") if d["workspace_id"] == workspace_id)
    finally:
        for s in sockets:
            s.close()


def _workspace_of(size: int, server_url: str) -> tuple[list[Person], int, int]:
    people = [sign_up(server_url, f"Crowd {i}") for i in range(size)]
    workspace = create_workspace(people[0], "Crowd")
    for person in people[1:]:
        invite(people[0], workspace, person)
    return people, workspace.id, workspace.general_id


def test_presence_frames_of_a_storm_grow_linearly(tmp_path: Path) -> None:
    server = start_server(tmp_path / "srv", extra_env={"PRESENCE_PUSH_LIMIT": str(PUSH_LIMIT)})
    try:
        small = _workspace_of(6, server.url)
        frames = _storm(*small)
        assert 0 < frames <= PUSH_LIMIT * 6  # small workspaces still hear changes live

        people, workspace_id, general_id = _workspace_of(40, server.url)
        assert _storm(people, workspace_id, general_id) <= PUSH_LIMIT * 40  # everyone to everyone: 780

        # Above the limit clients poll for the people they show.
        shown = people[:3]
        sockets = [p.socket() for p in shown]
        try:
            answer = people[-1].get(f"/workspaces/{workspace_id}/presence?user_ids="
                                    + ",".join(str(p.id) for p in people[:5]))
            assert answer == {"presence": {str(p.id): "online" for p in shown}, "live": False}
        finally:
            for s in sockets:
                s.close()
        assert small[0][0].get(f"/workspaces/{small[1]}/presence")["live"] is True
        bad = people[0].request("GET", f"/workspaces/{workspace_id}/presence?user_ids=1,x")
        assert bad.status_code == 400 and bad.json()["error"]["field"] == "user_ids"
    finally:
        server.stop()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_killed_process_takes_its_people_offline(backend: str, tmp_path: Path, postgres_url: str) -> None:
    """Bob is connected to process B, which is killed with SIGKILL: process A tells Alice he is
    offline once B has missed its heartbeats, and A's presence API agrees."""
    env = {"PRESENCE_HEARTBEAT_SECONDS": "1", "PRESENCE_SERVER_TIMEOUT_SECONDS": "4"}
    queue = "presence-" + tmp_path.name[-6:]
    first = start_server(tmp_path / "a", database_url=postgres_url, message_queue=REDIS_URL,
                         queue_channel=queue, extra_env=env)
    second = start_server(tmp_path / "b", database_url=postgres_url, message_queue=REDIS_URL,
                          queue_channel=queue, extra_env=env)
    try:
        alice, bob = sign_up(first.url, "Alice Watcher"), sign_up(first.url, "Bob Remote")
        acme = create_workspace(alice, "Acme")
        invite(alice, acme, bob)
        presence = f"/workspaces/{acme.id}/presence"
        watcher = alice.socket()
        try:
            SocketClient.connect(second.url, bob.token)  # left open: its process dies under it
            watcher.wait_for("presence.changed", lambda d: d["user_id"] == bob.id and d["status"] == "online")
            assert alice.get(presence)["presence"].get(str(bob.id)) == "online"
            second.process.kill()
            second.process.wait(10)
            watcher.wait_for("presence.changed", lambda d: d["user_id"] == bob.id and d["status"] == "offline",
                             timeout=60)
            assert str(bob.id) not in alice.get(presence)["presence"]
        finally:
            watcher.close()
    finally:
        first.stop()
        second.stop()
