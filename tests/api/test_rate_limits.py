"""Rate limits through the public doors, against real servers started with tight limits.

Every limited door answers 429 with the usual error body, `retry_after` in it and a Retry-After
header (socket acks: the same error object). Requests come from their own loopback addresses
(127.0.x.y), so per-address limits can be exercised without the tests tripping over each other.
"""
from __future__ import annotations

import itertools
import re
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter

from tests.conftest import REDIS_URL
from tests.support import PASSWORD, Person, Server, create_workspace, start_server

API = "/api/v1"

# Tight limits, one kind of request each, so every door's limit is reached in a few requests.
TIGHT = {
    "RATE_LIMIT_API": "40 per hour",
    "RATE_LIMIT_API_ANONYMOUS": "25 per hour",
    "RATE_LIMIT_SIGNIN": "12 per hour",
    "RATE_LIMIT_SIGNIN_FAILURES": "3 per hour",
    "RATE_LIMIT_ACCOUNT_FAILURES": "6 per hour",
    "RATE_LIMIT_SIGNUP": "3 per hour",
    "RATE_LIMIT_TOKENS": "4 per hour",
    "RATE_LIMIT_INVITES": "2 per hour",
    "RATE_LIMIT_SENDS": "3 per hour",
    "RATE_LIMIT_UPLOADS": "2 per hour",
    "RATE_LIMIT_COMMANDS": "4 per hour",
}

_addresses = itertools.count(2)


def new_address() -> str:
    """A loopback address no other test of this run uses: 127.0.x.y (Linux routes all of 127/8)."""
    n = next(_addresses)
    return f"127.0.{n // 250}.{n % 250 + 2}"


class _BoundAdapter(HTTPAdapter):
    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


class Visitor:
    """Someone at one network address, talking to the REST API without an account yet."""

    def __init__(self, server_url: str, address: str | None = None) -> None:
        self.server_url = server_url
        self.address = address or new_address()
        self.session = requests.Session()
        self.session.mount("http://", _BoundAdapter(self.address))

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.server_url + API + path, timeout=30, **kwargs)

    def sign_up(self, name: str = "Person") -> tuple[str, requests.Response]:
        username = f"{name.split()[0].lower()}{uuid.uuid4().hex[:6]}"
        email = f"{username}@example.test"
        return email, self.request("POST", "/auth/signup", json={
            "email": email, "password": PASSWORD, "display_name": name, "username": username})

    def sign_in(self, email: str, password: str = PASSWORD) -> requests.Response:
        return self.request("POST", "/auth/token", json={"email": email, "password": password})

    def person(self, name: str = "Person") -> Person:
        """A new account signed up and signed in from this address."""
        email, r = self.sign_up(name)
        assert r.status_code == 201, r.text
        r = self.sign_in(email)
        assert r.status_code == 201, r.text
        return Person(self.server_url, r.json()["token"], r.json()["user"], email)


def assert_rate_limited(response: requests.Response) -> int:
    """429, the usual error body with `retry_after`, and a matching Retry-After header."""
    assert response.status_code == 429, f"{response.status_code}: {response.text}"
    error = response.json()["error"]
    assert error["code"] == "rate_limited", error
    assert error["message"]
    assert set(error) == {"code", "message", "retry_after"}, error
    assert int(response.headers["Retry-After"]) == error["retry_after"] >= 1
    return error["retry_after"]


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(tmp_path_factory.mktemp("limited"), extra_env=TIGHT)
    yield server
    server.stop()


# --- accounts ----------------------------------------------------------------------------------

def test_sign_up_is_limited_per_address(limited: Server) -> None:
    office = Visitor(limited.url)
    for _ in range(3):
        assert office.sign_up()[1].status_code == 201
    assert_rate_limited(office.sign_up()[1])
    assert Visitor(limited.url).sign_up()[1].status_code == 201  # another address is not affected


def test_wrong_passwords_throttle_the_guessing_address_not_the_owner(limited: Server) -> None:
    home = Visitor(limited.url)
    owner = home.person("Owner")
    attacker = Visitor(limited.url)
    for _ in range(3):
        r = attacker.sign_in(owner.email, "not the password")
        assert r.status_code == 401 and r.json()["error"]["code"] == "bad_credentials", r.text
    # From now on this address is refused before any password is checked, the right one included.
    assert_rate_limited(attacker.sign_in(owner.email, "still guessing"))
    assert_rate_limited(attacker.sign_in(owner.email))
    # The owner, from home or from a new place, signs in as usual.
    assert home.sign_in(owner.email).status_code == 201
    assert Visitor(limited.url).sign_in(owner.email).status_code == 201


def test_guessing_from_many_addresses_stops_but_the_owner_at_home_gets_in(limited: Server) -> None:
    home = Visitor(limited.url)
    owner = home.person("Owner")
    attackers = [Visitor(limited.url) for _ in range(3)]
    for attacker in attackers:  # 6 failures for the account: its limit
        for _ in range(2):
            assert attacker.sign_in(owner.email, "guess").status_code == 401
    # Every address the account has not signed in from lately waits now, attackers or not.
    for somewhere in [*attackers, Visitor(limited.url)]:
        assert_rate_limited(somewhere.sign_in(owner.email))
    # The address the owner signed in from keeps working, and their wrong password there counts
    # only against that address.
    assert home.sign_in(owner.email, "typo").status_code == 401
    assert home.sign_in(owner.email).status_code == 201


def test_unknown_emails_are_throttled_like_real_accounts(limited: Server) -> None:
    attacker = Visitor(limited.url)
    for _ in range(3):
        assert attacker.sign_in("nobody@example.test", "guess").status_code == 401
    assert_rate_limited(attacker.sign_in("nobody@example.test", "guess"))


def test_sign_in_attempts_are_limited_per_address_even_when_right(limited: Server) -> None:
    office = Visitor(limited.url)
    people = [office.person(f"Person {i}") for i in range(3)]  # 3 sign-ins
    for person in itertools.islice(itertools.cycle(people), 9):  # 12 in all
        assert office.sign_in(person.email).status_code == 201
    assert_rate_limited(office.sign_in(people[0].email))


def test_the_login_page_counts_the_same_failures(limited: Server) -> None:
    owner = Visitor(limited.url).person("Owner")
    attacker = Visitor(limited.url)
    page = attacker.session.get(limited.url + "/login", timeout=30).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf

    def login(password: str) -> requests.Response:
        return attacker.session.post(limited.url + "/login", timeout=30, allow_redirects=False, data={
            "email": owner.email, "password": password, "csrf_token": csrf.group(1)})

    for _ in range(2):
        assert login("guess").status_code == 401
    assert attacker.sign_in(owner.email, "guess").status_code == 401  # the API door: the third
    r = login(PASSWORD)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1, r.status_code
    assert "too many failed sign-ins" in r.text


def test_new_tokens_are_limited_per_person(limited: Server) -> None:
    visitor = Visitor(limited.url)
    person = visitor.person()  # its first token
    for _ in range(2):
        assert person.request("POST", "/tokens", json={"name": "script"}).status_code == 201
    assert visitor.sign_in(person.email).status_code == 201  # the fourth, by password
    assert_rate_limited(person.request("POST", "/tokens", json={"name": "one too many"}))
    assert_rate_limited(visitor.sign_in(person.email))


# --- workspaces, messages, files -----------------------------------------------------------------

def test_invites_are_limited_per_person_and_workspace(limited: Server) -> None:
    owner = Visitor(limited.url).person("Owner")
    acme, globex = create_workspace(owner, "Acme"), create_workspace(owner, "Globex")
    for _ in range(2):
        assert owner.request("POST", f"/workspaces/{acme.id}/invites", json={}).status_code == 201
    assert_rate_limited(owner.request("POST", f"/workspaces/{acme.id}/invites", json={}))
    assert owner.request("POST", f"/workspaces/{globex.id}/invites", json={}).status_code == 201


def test_sends_are_limited_per_person_over_rest_and_socket_together(limited: Server) -> None:
    visitor = Visitor(limited.url)
    alice, bob = visitor.person("Alice"), Visitor(limited.url).person("Bob")
    acme = create_workspace(alice)
    socket = alice.socket()
    try:
        for i in range(2):
            assert "data" in socket.call("message.send", {"channel_id": acme.general_id, "body": f"hi {i}"})
        assert alice.request("POST", f"/channels/{acme.general_id}/messages", json={"body": "rest"}).status_code == 201
        ack = socket.call("message.send", {"channel_id": acme.general_id, "body": "one too many"})
        assert set(ack) == {"error"} and ack["error"]["code"] == "rate_limited", ack
        assert isinstance(ack["error"]["retry_after"], int) and ack["error"]["retry_after"] >= 1, ack
        assert_rate_limited(alice.request("POST", f"/channels/{acme.general_id}/messages", json={"body": "rest"}))
    finally:
        socket.close()
    history = alice.get(f"/channels/{acme.general_id}/messages")["messages"]
    assert [m["body"] for m in history] == ["hi 0", "hi 1", "rest"]
    # Bob's sends are his own.
    bobs = create_workspace(bob)
    assert bob.request("POST", f"/channels/{bobs.general_id}/messages", json={"body": "mine"}).status_code == 201


def test_slash_commands_are_limited_per_person_and_posting_ones_count_as_sends(limited: Server) -> None:
    alice = Visitor(limited.url).person("Alice")
    acme = create_workspace(alice)

    def run(command: str, text: str = "") -> requests.Response:
        return alice.request("POST", f"/channels/{acme.general_id}/commands", json={"command": command, "text": text})

    for i in range(3):  # /me posts: three messages, the most RATE_LIMIT_SENDS allows
        assert run("/me", f"waves {i}").status_code == 200
    assert_rate_limited(run("/me", "once more"))  # a fourth command, but a fourth message
    assert_rate_limited(run("/help"))  # the fifth command
    assert [m["body"] for m in alice.get(f"/channels/{acme.general_id}/messages")["messages"]] == \
        ["waves 0", "waves 1", "waves 2"]


def test_uploads_are_limited_per_person(limited: Server) -> None:
    alice = Visitor(limited.url).person("Alice")
    acme = create_workspace(alice)

    def upload() -> requests.Response:
        return alice.request("POST", f"/channels/{acme.general_id}/files",
                             files={"file": ("notes.txt", b"some notes", "text/plain")})

    for _ in range(2):
        assert upload().status_code == 201
    assert_rate_limited(upload())


def test_every_request_counts_against_the_person_and_anonymous_ones_against_the_address(limited: Server) -> None:
    visitor = Visitor(limited.url)
    person = visitor.person()
    answers = [person.request("GET", "/me").status_code for _ in range(41)]
    assert answers[:40] == [200] * 40
    assert_rate_limited(person.request("GET", "/me"))
    # Without credentials, per address: 2 requests made already (sign-up, sign-in), 23 more.
    assert [visitor.request("GET", "/me").status_code for _ in range(23)] == [401] * 23
    assert_rate_limited(visitor.request("GET", "/me"))
    assert_rate_limited(visitor.request("GET", "/openapi.json"))
    assert Visitor(limited.url).request("GET", "/me").status_code == 401


# --- cool-off ----------------------------------------------------------------------------------

def test_after_the_cool_off_the_right_password_works_again(tmp_path: Path) -> None:
    server = start_server(tmp_path / "cool", extra_env={"RATE_LIMIT_SIGNIN_FAILURES": "2 per 5 seconds"})
    try:
        home = Visitor(server.url)
        owner = home.person("Owner")
        for _ in range(2):
            assert home.sign_in(owner.email, "typo").status_code == 401
        wait = assert_rate_limited(home.sign_in(owner.email))
        assert wait <= 5
        deadline = time.monotonic() + 30
        while (r := home.sign_in(owner.email)).status_code == 429 and time.monotonic() < deadline:
            time.sleep(int(r.headers["Retry-After"]))
        assert r.status_code == 201, r.text
    finally:
        server.stop()


# --- several processes ---------------------------------------------------------------------------

def test_two_processes_share_their_counters_over_redis(tmp_path: Path, postgres_url: str) -> None:
    channel = f"chat-limits-{uuid.uuid4().hex[:8]}"
    env = {"RATE_LIMIT_SENDS": "3 per hour", "RATE_LIMIT_SIGNIN_FAILURES": "3 per hour"}
    first = start_server(tmp_path / "a", database_url=postgres_url, message_queue=REDIS_URL,
                         queue_channel=channel, extra_env=env)
    second = start_server(tmp_path / "b", database_url=postgres_url, message_queue=REDIS_URL,
                          queue_channel=channel, extra_env=env)
    try:
        home = Visitor(first.url)
        alice = home.person("Alice")
        acme = create_workspace(alice)
        on_second = Person(second.url, alice.token, alice.user, alice.email)
        for body, person in (("one", alice), ("two", on_second), ("three", alice)):
            sent = person.request("POST", f"/channels/{acme.general_id}/messages", json={"body": body})
            assert sent.status_code == 201
        assert_rate_limited(on_second.request("POST", f"/channels/{acme.general_id}/messages", json={"body": "four"}))
        assert_rate_limited(alice.request("POST", f"/channels/{acme.general_id}/messages", json={"body": "four"}))

        attacker_first = Visitor(first.url)
        attacker_second = Visitor(second.url, attacker_first.address)
        for attacker in (attacker_first, attacker_second, attacker_first):
            assert attacker.sign_in(alice.email, "guess").status_code == 401
        assert_rate_limited(attacker_second.sign_in(alice.email))
        assert Visitor(second.url, home.address).sign_in(alice.email).status_code == 201
    finally:
        first.stop()
        second.stop()


# --- password hashing under a flood ---------------------------------------------------------------

def _peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def _flood(url: str, threads: int, per_thread: int) -> list[requests.Response]:
    """``threads`` clients at once, each making ``per_thread`` sign-in attempts for unknown
    emails (each attempt costs one Argon2 verification)."""
    answers: list[requests.Response] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def client() -> None:
        session = requests.Session()
        barrier.wait()
        for _ in range(per_thread):
            r = session.post(url + API + "/auth/token", timeout=120,
                             json={"email": f"{uuid.uuid4().hex[:10]}@example.test", "password": "guess"})
            with lock:
                answers.append(r)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(180)
    return answers


def test_a_sign_in_flood_keeps_memory_flat(tmp_path: Path) -> None:
    """64 MiB per hash, 2 at a time: the peak stays near the idle size plus two hashes, where
    the unbounded thread pool (20 threads under eventlet) reached 1.3 GB."""
    server = start_server(tmp_path / "flood", extra_env={
        "ARGON2_MEMORY_COST": "65536", "PASSWORD_HASH_CONCURRENCY": "2", "PASSWORD_HASH_QUEUE": "64"})
    try:
        before = _peak_rss_mb(server.process.pid)
        answers = _flood(server.url, threads=30, per_thread=3)
        assert len(answers) == 90
        assert {r.status_code for r in answers} <= {401, 503}, {r.status_code for r in answers}
        assert sum(r.status_code == 401 for r in answers) >= 30  # the flood was really hashed
        peak = _peak_rss_mb(server.process.pid)
        assert peak - before < 2 * 64 + 150, f"peak {peak:.0f} MB, {before:.0f} MB before"
    finally:
        server.stop()


def test_past_the_queue_sign_ins_are_told_the_server_is_busy(tmp_path: Path) -> None:
    server = start_server(tmp_path / "busy", extra_env={
        "ARGON2_MEMORY_COST": "65536", "ARGON2_TIME_COST": "4",
        "PASSWORD_HASH_CONCURRENCY": "1", "PASSWORD_HASH_QUEUE": "0"})
    try:
        answers = _flood(server.url, threads=12, per_thread=1)
        busy = [r for r in answers if r.status_code == 503]
        assert {r.status_code for r in answers} == {401, 503}, [r.status_code for r in answers]
        for r in busy:
            assert r.json()["error"]["code"] == "busy" and int(r.headers["Retry-After"]) >= 1, r.text
        # Once the flood is over, signing in works.
        person = Visitor(server.url).person()
        assert person.get("/me")["id"] == person.id
    finally:
        server.stop()


def test_429_answers_are_documented(limited: Server) -> None:
    from tests.test_openapi import Contract

    contract = Contract(requests.get(limited.url + API + "/openapi.json", timeout=30).json())
    office = Visitor(limited.url)
    person = office.person()
    answers = [person.request("POST", "/tokens", json={"name": "n"}) for _ in range(4)]
    assert_rate_limited(answers[-1])
    contract.response(answers[-1], "POST", "/tokens")
    for _ in range(3):
        office.sign_in(person.email, "guess")
    contract.response(office.sign_in(person.email), "POST", "/auth/token")


def test_a_session_holder_cannot_guess_the_password_either(limited: Server) -> None:
    thief = Visitor(limited.url)
    victim = thief.person("Victim")  # stands for a stolen token used from the thief's address

    def change(current: str) -> requests.Response:
        return thief.request("POST", "/me/password", json={"current_password": current,
                                                           "new_password": "a brand new password"},
                             headers={"Authorization": f"Bearer {victim.token}"})

    for _ in range(3):
        assert change("guess").status_code == 403
    assert_rate_limited(change(PASSWORD))
