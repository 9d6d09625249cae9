"""The delivery log over REST (GET /workspaces/{id}/deliveries, GET /deliveries/{id}, POST
/deliveries/{id}/replay): a real server with the test integration kinds registered
(tests/integrations/delivery_app.py) sends deliveries to a real receiver on 127.0.0.1; its
workspace's admins read them with their attempts and replay them; nobody else does, and bad
input gets clear 4xx answers. Every answer is checked against the API document."""
from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from slack_sdk.signature import SignatureVerifier

from tests.api.helpers import assert_error
from tests.integrations.kinds import SECRET, SIGNED
from tests.receiver import Receiver
from tests.support import ROOT, Cast, Person, Server, start_server, wait_until
from tests.test_openapi import PREFIX, Contract

APP = "tests/integrations/delivery_app.py"
REPLAYS_PER_HOUR = 4
ENV = {"OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32", "OUTBOUND_TIMEOUT_SECONDS": "5",
       "DELIVERY_RETRY_SECONDS": "0,0,0",  # retries at once: a failing first attempt is logged, then retried
       "RATE_LIMIT_DELIVERY_REPLAYS": f"{REPLAYS_PER_HOUR} per hour"}
LOG = "/workspaces/{workspace_id}/deliveries"
ONE = "/deliveries/{delivery_id}"
REPLAY = "/deliveries/{delivery_id}/replay"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(Path(tmp_path_factory.mktemp("delivery-log")), script=APP, extra_env=ENV)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def contract(server: Server) -> Contract:
    return Contract(requests.get(server.url + PREFIX + "/openapi.json", timeout=10).json())


def enqueue(server: Server, workspace_id: int, url: str, *, integration_id: int = 1, count: int = 1,
            body: str = '{"type": "event_callback"}') -> list[int]:
    """Deliveries queued as an integration's feature queues them (in a transaction of its own)."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "tests.integrations.delivery_app", "delivery-test",
                           "enqueue", str(workspace_id), url, body, "--integration-id", str(integration_id),
                           "--count", str(count)],
                          cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return [int(line.removeprefix("DELIVERY_ID=")) for line in done.stdout.split() if line.startswith("DELIVERY_ID=")]


def finished(person: Person, delivery_id: int) -> dict:
    """The delivery once it is no longer pending."""
    return wait_until(lambda: (d := person.get(f"/deliveries/{delivery_id}"))["status"] != "pending" and d,
                      what=f"delivery {delivery_id} finished")


def test_a_delivery_shows_in_the_log_with_its_attempts_and_its_replay_arrives(
        server: Server, receiver: Receiver, contract: Contract, cast: Cast) -> None:
    alice, acme = cast.alice, cast.acme.id
    key = uuid.uuid4().hex
    [delivery_id] = enqueue(server, acme, receiver.url(f"/fail/1/{key}"), integration_id=7,
                            body='{"type": "event_callback", "n": 1}')

    # The first attempt failed (500), the retry got through: both are in the log.
    done = finished(alice, delivery_id)
    contract.response(alice.request("GET", f"/deliveries/{delivery_id}"), "GET", ONE)
    assert (done["status"], done["attempts"], done["kind"], done["integration_id"]) == ("delivered", 2, SIGNED, 7)
    assert done["url"] == receiver.url(f"/fail/1/{key}") and done["event"] == "message"
    assert done["body"] == '{"type": "event_callback", "n": 1}'
    assert done["headers"] == {"Content-Type": "application/json"}
    assert done["finished_at"] and done["next_attempt_at"] is None and done["replay_of_id"] is None
    first, second = done["attempt_log"]
    assert (first["number"], first["status_code"], first["error"], first["reason"]) == (
        1, 500, "HTTP 500", "http_error")
    assert first["response_excerpt"] == "failing on purpose"
    assert (second["number"], second["status_code"], second["error"], second["response_excerpt"]) == (
        2, 200, None, "ok at last")
    assert all(isinstance(a["duration_ms"], int) and a["finished_at"] for a in done["attempt_log"])

    # The log lists it with the same attempts, alone when narrowed to its integration.
    page = contract.response(alice.request("GET", f"/workspaces/{acme}/deliveries?kind={SIGNED}&integration_id=7"),
                             "GET", LOG)
    assert [d["id"] for d in page["deliveries"]] == [delivery_id] and page["has_more"] is False
    assert page["deliveries"][0]["attempt_log"] == done["attempt_log"]
    assert "body" not in page["deliveries"][0]  # the one-delivery view carries it
    assert alice.get(f"/workspaces/{acme}/deliveries?kind={SIGNED}&integration_id=8")["deliveries"] == []
    assert alice.get(f"/workspaces/{acme}/deliveries?kind=events_api")["deliveries"] == []

    # A replay is a new delivery of the same body, signed afresh, that arrives.
    answer = alice.request("POST", f"/deliveries/{delivery_id}/replay")
    assert answer.status_code == 201, answer.text
    replay = contract.response(answer, "POST", REPLAY)
    assert replay["id"] != delivery_id and replay["replay_of_id"] == delivery_id
    assert (replay["kind"], replay["integration_id"], replay["url"]) == (SIGNED, 7, done["url"])
    assert finished(alice, replay["id"])["status"] == "delivered"
    *_, again = receiver.wait_for(f"/fail/1/{key}", 3)  # 500, 200, then the replay
    assert again.body == b'{"type": "event_callback", "n": 1}'
    assert SignatureVerifier(SECRET).is_valid_request(again.body, again.headers)
    assert "x-slack-retry-num" not in again.headers  # a new delivery, not a retry
    newest = alice.get(f"/workspaces/{acme}/deliveries?kind={SIGNED}&integration_id=7")["deliveries"]
    assert [d["id"] for d in newest] == [replay["id"], delivery_id]


def test_only_the_workspaces_admins_read_and_replay_its_log(
        server: Server, receiver: Receiver, contract: Contract, cast: Cast) -> None:
    acme = cast.acme.id
    [delivery_id] = enqueue(server, acme, receiver.url(f"/ok?{uuid.uuid4().hex}"))
    finished(cast.alice, delivery_id)
    before = cast.alice.get(f"/workspaces/{acme}/deliveries")

    # Members and guests of the workspace: admins only.
    for person in (cast.bob, cast.gus):
        for method, path, template in (("GET", f"/workspaces/{acme}/deliveries", LOG),
                                       ("GET", f"/deliveries/{delivery_id}", ONE),
                                       ("POST", f"/deliveries/{delivery_id}/replay", REPLAY)):
            answer = person.request(method, path)
            assert_error(answer, 403, "admin_only")
            contract.response(answer, method, template)
    # Another workspace's admin: it does not exist.
    olga = cast.olga
    for method, path, template in (("GET", f"/workspaces/{acme}/deliveries", LOG),
                                   ("GET", f"/deliveries/{delivery_id}", ONE),
                                   ("POST", f"/deliveries/{delivery_id}/replay", REPLAY)):
        answer = olga.request(method, path)
        assert_error(answer, 404, "not_found")
        contract.response(answer, method, template)
        assert receiver.url("/ok") not in answer.text
    # Her own workspace's log holds nothing of Acme's.
    assert olga.get(f"/workspaces/{cast.globex.id}/deliveries") == {"deliveries": [], "has_more": False}
    # None of the refused replays was sent.
    assert cast.alice.get(f"/workspaces/{acme}/deliveries") == before


def test_the_log_pages_back_newest_first(server: Server, receiver: Receiver, cast: Cast) -> None:
    alice, acme = cast.alice, cast.acme.id
    ids = enqueue(server, acme, receiver.url(f"/ok?paged-{uuid.uuid4().hex}"), integration_id=3, count=3)
    first = alice.get(f"/workspaces/{acme}/deliveries?limit=2")
    assert [d["id"] for d in first["deliveries"]] == ids[::-1][:2] and first["has_more"] is True
    rest = alice.get(f"/workspaces/{acme}/deliveries?limit=2&before={ids[1]}")
    assert [d["id"] for d in rest["deliveries"]] == ids[:1] and rest["has_more"] is False
    assert alice.get(f"/workspaces/{acme}/deliveries?before={ids[0]}")["deliveries"] == []


@pytest.mark.parametrize(("query", "field"), [
    ("limit=0", "limit"), ("limit=201", "limit"), ("limit=ten", "limit"), ("limit=-1", "limit"), ("limit=", "limit"),
    ("limit=1.5", "limit"), ("before=0", "before"), ("before=x", "before"),
    ("before=99999999999999999999", "before"), ("integration_id=-3", "integration_id"),
    ("kind=Events%20API", "kind"), ("kind=", "kind"), (f"kind={'k' * 41}", "kind"),
])
def test_bad_queries_are_refused_with_the_field_at_fault(contract: Contract, cast: Cast, query: str,
                                                          field: str) -> None:
    answer = cast.alice.request("GET", f"/workspaces/{cast.acme.id}/deliveries?{query}")
    assert assert_error(answer, 400, "invalid")["field"] == field
    contract.response(answer, "GET", LOG)


def test_ids_that_name_no_delivery_are_not_found(contract: Contract, cast: Cast) -> None:
    alice = cast.alice
    for method, path in (("GET", "/deliveries/0"), ("GET", "/deliveries/987654321"),
                         ("GET", "/deliveries/99999999999999999999"), ("GET", "/deliveries/abc"),
                         ("POST", "/deliveries/987654321/replay"), ("POST", "/deliveries/-1/replay"),
                         ("GET", "/workspaces/987654321/deliveries")):
        assert_error(alice.request(method, path), 404, "not_found")
    contract.response(alice.request("GET", "/deliveries/987654321"), "GET", ONE)


def test_replays_are_rate_limited(server: Server, receiver: Receiver, contract: Contract, cast: Cast) -> None:
    alice, acme = cast.alice, cast.acme.id
    [delivery_id] = enqueue(server, acme, receiver.url(f"/ok?limited-{uuid.uuid4().hex}"))
    for _ in range(REPLAYS_PER_HOUR):
        assert alice.request("POST", f"/deliveries/{delivery_id}/replay").status_code == 201
    answer = alice.request("POST", f"/deliveries/{delivery_id}/replay")
    assert answer.status_code == 429 and answer.json()["error"]["code"] == "rate_limited"
    assert int(answer.headers["Retry-After"]) == answer.json()["error"]["retry_after"] > 0
    contract.response(answer, "POST", REPLAY)
    assert len(alice.get(f"/workspaces/{acme}/deliveries")["deliveries"]) == 1 + REPLAYS_PER_HOUR
