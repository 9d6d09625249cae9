"""Hostile or odd socket frames: each is acknowledged with the one error shape (python-socketio
would otherwise drop them without a word), nothing is stored, and the connection keeps working."""
from __future__ import annotations

import json
import uuid
from typing import Any

import socketio
from socketio import packet

from tests.support import Cast, SocketClient

DEEP = "[" * 1000 + "]" * 1000


class _RawJSON:
    """A payload given as JSON text, sent exactly as written (the client's encoder could not
    even build some of these)."""

    def __init__(self, text: str) -> None:
        self.text = text


class _Codec:
    @staticmethod
    def dumps(data: Any, **kwargs: Any) -> str:
        if isinstance(data, list) and len(data) == 2 and isinstance(data[1], _RawJSON):
            return f"[{json.dumps(data[0])},{data[1].text}]"
        return json.dumps(data, **kwargs)

    loads = staticmethod(json.loads)


class _RawPacket(packet.Packet):
    json = _Codec


def _raw_client(cast: Cast) -> socketio.Client:
    sio = socketio.Client(serializer=_RawPacket)
    sio.connect(cast.server_url, auth={"token": cast.alice.token}, transports=["websocket"], wait_timeout=10)
    return sio


def _history_bodies(cast: Cast) -> list[str]:
    return [m["body"] for m in cast.alice.get(f"/channels/{cast.acme.general_id}/messages")["messages"]]


def test_an_unknown_event_gets_an_error_ack(cast: Cast) -> None:
    client = cast.alice.socket()
    try:
        ack = client.call("message.sned", {"channel_id": cast.acme.general_id, "body": "typo"})
        assert ack["error"]["code"] == "unknown_event" and ack["error"]["message"], ack
        assert set(ack) == {"error"}
        assert "data" in client.call("presence.set", {"away": False})
    finally:
        client.close()


def test_lone_surrogates_and_deep_nesting_are_invalid_json(cast: Cast) -> None:
    before = _history_bodies(cast)
    sio = _raw_client(cast)
    try:
        channel = cast.acme.general_id
        for text in (f'{{"channel_id": {channel}, "body": "a\\ud800b"}}',
                     f'{{"channel_id": {channel}, "body": "ok", "\\udfff": 1}}',
                     f'{{"channel_id": {channel}, "body": {DEEP}}}',
                     DEEP):
            ack = sio.call("message.send", _RawJSON(text), timeout=10)
            assert ack["error"]["code"] == "invalid_json", (text[:40], ack)
        # The same rule on every event, and the connection still works afterwards.
        ack = sio.call("reaction.add", _RawJSON('{"message_id": 1, "emoji": "\\ud83d"}'), timeout=10)
        assert ack["error"]["code"] == "invalid_json"
        ack = sio.call("message.send", _RawJSON(f'{{"channel_id": {channel}, "body": "fine \\ud83d\\ude00"}}'),
                       timeout=10)
        assert ack["data"]["body"] == "fine \U0001F600"
    finally:
        sio.disconnect()
    assert _history_bodies(cast) == [*before, "fine \U0001F600"]


def test_a_payload_over_the_limit_gets_too_large(cast: Cast) -> None:
    before = _history_bodies(cast)
    client = cast.alice.socket()
    try:
        ack = client.call("message.send", {"channel_id": cast.acme.general_id, "body": "x" * 300_000})
        assert ack["error"]["code"] == "too_large", ack
        # The socket stays open and usable.
        ack = client.call("message.send", {"channel_id": cast.acme.general_id, "body": "after the big one",
                                           "client_msg_id": uuid.uuid4().hex})
        assert ack["data"]["body"] == "after the big one"
    finally:
        client.close()
    assert _history_bodies(cast) == [*before, "after the big one"]


def test_malformed_events_get_an_error_ack(cast: Cast) -> None:
    client: SocketClient = cast.alice.socket()
    sio = _raw_client(cast)
    try:
        # Two arguments, or none: one JSON object is the contract.
        assert client.sio.call("presence.set", ({"away": True}, "extra"), timeout=10)["error"]["code"] == "invalid"
        assert client.sio.call("presence.set", timeout=10)["error"]["code"] == "invalid"
        # 447.0 is the integer 447, as in JSON Schema; 1.5 is not an id.
        sent = client.call("message.send", {"channel_id": cast.acme.general_id, "body": "read me"})["data"]
        ack = sio.call("channel.read", _RawJSON(f'{{"channel_id": {cast.acme.general_id}.0, '
                                                f'"message_id": {sent["id"]}.0}}'), timeout=10)
        assert ack["data"] == {"channel_id": cast.acme.general_id, "last_read_id": sent["id"]}
        ack = sio.call("channel.read", _RawJSON(f'{{"channel_id": {cast.acme.general_id}, "message_id": 1.5}}'),
                       timeout=10)
        assert ack["error"]["code"] == "invalid"
        ack = sio.call("channel.read", _RawJSON('{"channel_id": NaN}'), timeout=10)
        assert ack["error"]["code"] == "invalid_json"
    finally:
        client.close()
        sio.disconnect()
