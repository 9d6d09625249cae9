"""The outbound HTTP client (chat/core/outbound.py) against a real receiver on 127.0.0.1, with
real name resolution: internal addresses are refused in every spelling, after resolution and on
every redirect, unless the operator allows them; receivers that hang, fail or answer without
end give a clear error, and the body is read only up to the cap."""
from __future__ import annotations

import ssl
import subprocess
import threading
import tracemalloc
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from chat.core import outbound
from chat.core.outbound import Policy
from tests.receiver import Receiver

LOOPBACK = Policy(allowed_networks=outbound.parse_networks("127.0.0.1/32"), total_timeout=5)
STRICT = Policy(total_timeout=5)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture(scope="module")
def other_receiver() -> Iterator[Receiver]:
    """A second private address, not in LOOPBACK's allowed networks."""
    r = Receiver(host="127.0.0.2").start()
    yield r
    r.stop()


@pytest.mark.parametrize("spelling", [
    "http://127.0.0.1:{port}/ok",
    "http://localhost:{port}/ok",             # resolved by the system, like any name
    "http://[::1]:{port}/ok",
    "http://2130706433:{port}/ok",            # 127.0.0.1 as a decimal number
    "http://0x7f000001:{port}/ok",            # ... in hex
    "http://0177.0.0.1:{port}/ok",            # ... in octal
    "http://127.1:{port}/ok",                 # ... shortened
    "http://[::ffff:127.0.0.1]:{port}/ok",    # IPv4-mapped IPv6
    "http://[::ffff:7f00:1]:{port}/ok",
    "http://[::127.0.0.1]:{port}/ok",         # IPv4-compatible IPv6
    "http://[2002:7f00:1::]:{port}/ok",       # 6to4 of 127.0.0.1
])
def test_the_receiver_on_loopback_is_refused_in_every_spelling(receiver: Receiver, spelling: str) -> None:
    url = spelling.format(port=receiver.port)
    with pytest.raises(outbound.RefusedAddress, match="refused address"):
        outbound.request("GET", url, policy=STRICT)
    assert receiver.received("/ok") == []  # it would have answered: refused before connecting


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://10.0.0.1/", "http://172.16.5.4/", "http://192.168.1.1/",  # RFC 1918
    "http://100.64.0.1/",                        # CGNAT
    "http://[fd12:3456::1]/",                    # unique local
    "http://[fe80::1]/",                         # link-local
    "http://224.0.0.1/", "http://[ff02::1]/",    # multicast
    "http://0.0.0.0/", "http://[::]/",           # unspecified
    "http://240.0.0.1/",                         # reserved
    "http://[::ffff:169.254.169.254]/", "http://[::ffff:10.0.0.1]/",
    "http://[64:ff9b::a9fe:a9fe]/",              # NAT64 of the metadata address
])
def test_internal_addresses_are_refused(url: str) -> None:
    with pytest.raises(outbound.RefusedAddress):
        outbound.request("GET", url, policy=STRICT)


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://example.com/file", "only http and https"),
    ("file:///etc/passwd", "only http and https"),
    ("gopher://127.0.0.1:70/", "only http and https"),
    ("http://user:secret@example.com/", "credentials"),
    ("http:///nohost", "no host"),
    ("http://example.com:99999/", "invalid URL"),
    ("http://exa mple.com/", "invalid URL"),
])
def test_urls_other_than_plain_http_and_https_are_invalid(url: str, message: str) -> None:
    with pytest.raises(outbound.InvalidUrl, match=message) as caught:
        outbound.request("GET", url, policy=LOOPBACK)
    assert not caught.value.retryable


def test_an_allowed_network_is_reached_by_address_and_by_name(receiver: Receiver) -> None:
    answer = outbound.request("POST", receiver.url("/ok"), body=b'{"a": 1}',
                              headers={"Content-Type": "application/json", "User-Agent": "spoofed"}, policy=LOOPBACK)
    assert (answer.status, answer.body) == (200, b"ok")
    [got] = receiver.received("/ok")
    assert got.body == b'{"a": 1}' and got.headers["content-type"] == "application/json"
    assert got.headers["user-agent"] == outbound.USER_AGENT  # fixed, whatever the caller says
    assert got.headers["host"] == f"127.0.0.1:{receiver.port}"
    # "localhost" may resolve to ::1 as well: the address allowed is the one connected to.
    by_name = outbound.request("GET", f"http://localhost:{receiver.port}/ok?by=name", policy=LOOPBACK)
    assert by_name.status == 200
    assert receiver.received("/ok?by=name")[0].headers["host"] == f"localhost:{receiver.port}"


def test_proxies_from_the_environment_are_ignored(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://10.9.9.9:3128")  # unreachable: using it would time out
    assert outbound.request("GET", receiver.url("/ok?proxy"), policy=LOOPBACK).status == 200


def test_a_redirect_to_an_address_not_allowed_is_refused(receiver: Receiver, other_receiver: Receiver) -> None:
    target = other_receiver.url("/ok")
    with pytest.raises(outbound.RefusedAddress, match=r"127\.0\.0\.2"):
        outbound.request("GET", receiver.url(f"/redirect?to={target}"), policy=LOOPBACK)
    assert receiver.received("/redirect") and other_receiver.received("/ok") == []
    # The same receiver is reached once its network is allowed too.
    both = Policy(allowed_networks=outbound.parse_networks("127.0.0.1/32, 127.0.0.2"), total_timeout=5)
    answer = outbound.request("GET", receiver.url(f"/redirect?to={target}"), policy=both)
    assert (answer.status, answer.url) == (200, target)


def test_a_redirect_to_loopback_or_the_metadata_address_is_refused(receiver: Receiver) -> None:
    for target in ("http://169.254.169.254/latest/meta-data/", "http://[::1]:1/", "http://2130706434:1/"):
        with pytest.raises(outbound.RefusedAddress):
            outbound.request("GET", receiver.url(f"/redirect?to={target}"), policy=LOOPBACK)


def test_redirects_keep_or_drop_the_body_as_http_says(receiver: Receiver) -> None:
    for code, method, body in ((307, "POST", b"payload"), (308, "POST", b"payload"), (302, "GET", b""),
                               (303, "GET", b"")):
        path = f"/ok?after={code}"
        outbound.request("POST", receiver.url(f"/redirect?code={code}&to={receiver.url(path)}"),
                         body=b"payload", policy=LOOPBACK)
        [got] = receiver.received(path)
        assert (got.method, got.body) == (method, body)


def test_redirects_are_followed_a_few_times_only(receiver: Receiver) -> None:
    url = receiver.url("/ok?end")
    for _ in range(4):
        url = receiver.url(f"/redirect?to={url}")
    with pytest.raises(outbound.TooManyRedirects, match="more than 3 redirects"):
        outbound.request("GET", url, policy=LOOPBACK)
    assert receiver.received("/ok?end") == []


def test_a_receiver_that_does_not_answer_times_out(receiver: Receiver) -> None:
    policy = Policy(allowed_networks=LOOPBACK.allowed_networks, total_timeout=0.5)
    try:
        with pytest.raises(outbound.TimedOut, match="timed out") as caught:
            outbound.request("POST", receiver.url("/hold/timeout"), body=b"x", policy=policy)
    finally:
        receiver.release("timeout")
    assert caught.value.reason == "http_timeout" and caught.value.retryable


def test_an_error_status_is_an_answer_and_a_clear_error_when_raised(receiver: Receiver) -> None:
    answer = outbound.request("POST", receiver.url("/status/500"), body=b"x", policy=LOOPBACK)
    assert answer.status == 500
    with pytest.raises(outbound.BadStatus, match="HTTP 500") as caught:
        answer.raise_for_status()
    assert caught.value.status == 500 and caught.value.reason == "http_error"
    assert caught.value.excerpt.startswith(b"receiver says 500") and len(caught.value.excerpt) == 512


FIFTY_MB = 50 * 1024 * 1024


@pytest.mark.parametrize("path", ["/big", "/stream"])  # with a Content-Length, and chunked without one
def test_a_huge_answer_is_cut_at_the_cap_with_memory_flat(receiver: Receiver, path: str) -> None:
    url = receiver.url(f"{path}/{FIFTY_MB}")
    tracemalloc.start()
    try:
        with pytest.raises(outbound.TooLarge, match=f"larger than {1024 * 1024} bytes") as caught:
            outbound.request("GET", url, policy=LOOPBACK)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.status == 200
    assert peak < 4 * 1024 * 1024, peak  # the cap and a chunk, never the 50 MB
    assert receiver.bytes_sent.get(f"{path}/{FIFTY_MB}", 0) < FIFTY_MB  # we stopped reading and hung up


def test_an_answer_within_the_cap_is_read_whole(receiver: Receiver) -> None:
    answer = outbound.request("GET", receiver.url("/stream/1048576"), policy=LOOPBACK)
    assert len(answer.body) == 1024 * 1024


def test_a_closed_port_is_a_connection_failure(receiver: Receiver) -> None:
    with pytest.raises(outbound.ConnectionFailed, match="could not connect"):
        outbound.request("GET", "http://127.0.0.1:1/", policy=LOOPBACK)


def test_an_unknown_name_fails_to_resolve() -> None:
    with pytest.raises(outbound.ResolutionFailed, match=r"could not resolve no-such-host\.invalid"):
        outbound.request("GET", "http://no-such-host.invalid/", policy=STRICT)


# --- https: connected to the checked address, SNI and the certificate for the name ---------------

@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, str, list[str | None]]]:
    """An https server on 127.0.0.1 with a certificate for "localhost" from a CA of our own;
    records the SNI name of every handshake."""
    folder = Path(tmp_path_factory.mktemp("tls"))
    run = lambda *args: subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "host.key", "-out", "host.csr", "-subj", "/CN=localhost")
    (folder / "ext").write_text("subjectAltName=DNS:localhost\n")
    run("x509", "-req", "-in", "host.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "host.pem", "-days", "2", "-extfile", "ext")
    names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "host.pem", folder / "host.key")
    context.sni_callback = lambda _sock, name, _ctx: names.append(name)  # type: ignore[assignment,func-returns-value]

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path.startswith("/down?to="):
                self.send_response(302)
                self.send_header("Location", self.path.removeprefix("/down?to="))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", "6")
            self.end_headers()
            self.wfile.write(b"secure")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], str(folder / "ca.pem"), names
    server.shutdown()


def test_https_checks_the_certificate_against_the_name_not_the_address(
        tls_server: tuple[int, str, list[str | None]]) -> None:
    port, ca, names = tls_server
    policy = Policy(allowed_networks=LOOPBACK.allowed_networks, total_timeout=5, ca_certs=ca)
    answer = outbound.request("GET", f"https://localhost:{port}/", policy=policy)
    assert (answer.status, answer.body) == (200, b"secure")
    assert names[-1] == "localhost"  # SNI carries the name although the connection went to 127.0.0.1
    # The certificate names localhost, not 127.0.0.1; and the system's CAs do not know ours.
    with pytest.raises(outbound.TlsFailed):
        outbound.request("GET", f"https://127.0.0.1:{port}/", policy=policy)
    with pytest.raises(outbound.TlsFailed, match="certificate"):
        outbound.request("GET", f"https://localhost:{port}/", policy=LOOPBACK)


def test_a_redirect_from_https_down_to_http_is_refused(tls_server: tuple[int, str, list[str | None]],
                                                       receiver: Receiver) -> None:
    port, ca, _ = tls_server
    policy = Policy(allowed_networks=LOOPBACK.allowed_networks, total_timeout=5, ca_certs=ca)
    with pytest.raises(outbound.RefusedAddress, match="https to http"):
        outbound.request("GET", f"https://localhost:{port}/down?to={receiver.url('/ok?downgraded')}", policy=policy)
    assert receiver.received("/ok?downgraded") == []
