"""Requests the server makes to integrations (bots' Events API URLs, outgoing webhooks, slash
commands): the one way out, safe against server-side request forgery and against receivers
that hang or answer without end.

``request(method, url, body=..., headers=..., policy=...)`` returns the final ``Response`` or
raises an ``OutboundError`` whose message is short enough for a delivery log:

* only ``http`` and ``https`` URLs, without credentials in them;
* the host is resolved here, and every address it resolves to must be a public unicast one
  (not loopback, private, unique-local, link-local with the cloud metadata address, CGNAT,
  multicast, unspecified, reserved, documentation; IPv4 written as a decimal, octal or hex
  number, and IPv6 forms embedding an IPv4 address, are judged as that IPv4 address), unless
  it lies in one of the operator's ``OUTBOUND_ALLOWED_NETWORKS``;
* the connection goes to the address that was checked, never to a second lookup a DNS
  server could answer differently (rebinding); for https, SNI and the certificate check
  still use the host name;
* redirects are followed here, at most ``max_redirects``, each new location checked the
  same way (and never from https down to http);
* a connect timeout and a total deadline over the whole exchange, redirects included;
* the body read is capped: a larger declared length is refused before reading, a longer
  stream is cut at the cap and the connection closed, so memory stays flat;
* no proxies, netrc or other settings from the environment, no compression (the cap counts
  the bytes that arrive), a fixed User-Agent.

Built on urllib3 (already a dependency through requests) at the connection-pool level: it
lets the caller choose the address to connect to while keeping the host name for TLS, and
unlike requests it reads nothing from the environment. The module knows no integration.
"""
from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import certifi
import urllib3
from flask import Flask
from urllib3.exceptions import (
    ConnectTimeoutError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.exceptions import (
    TimeoutError as Urllib3Timeout,
)

log = logging.getLogger(__name__)

USER_AGENT = "chat-server-integrations/1 (+outbound)"
REDIRECTS = (301, 302, 303, 307, 308)
EXCERPT_BYTES = 512  # of a response body, in errors and logs

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# IPv6 prefixes that carry an IPv4 address in their low 32 bits (NAT64, well-known and local).
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


# --- errors ------------------------------------------------------------------------------------

class OutboundError(Exception):
    """A request that did not get a usable answer. ``reason`` is Slack's name for the kind of
    failure (what ``X-Slack-Retry-Reason`` carries); ``retryable`` says whether trying again
    could help; ``str(error)`` is a short line for a delivery log."""

    reason = "unknown_error"
    retryable = True

    def __init__(self, message: str, *, status: int | None = None, excerpt: bytes = b"") -> None:
        super().__init__(message)
        self.message = message
        self.status = status      # the HTTP status, when an answer came
        self.excerpt = excerpt    # the start of its body, at most EXCERPT_BYTES


class InvalidUrl(OutboundError):
    """Not an http(s) URL, credentials in it, no host, a bad port."""

    reason = "invalid_url"
    retryable = False


class RefusedAddress(OutboundError):
    """The host is, or resolves to, an address outside the public internet."""

    reason = "refused_address"
    retryable = False


class ResolutionFailed(OutboundError):
    reason = "connection_failed"


class ConnectionFailed(OutboundError):
    reason = "connection_failed"


class TimedOut(OutboundError):
    reason = "http_timeout"


class TlsFailed(OutboundError):
    reason = "ssl_error"


class TooManyRedirects(OutboundError):
    reason = "too_many_redirects"


class TooLarge(OutboundError):
    reason = "response_too_large"


class BadStatus(OutboundError):
    """An answer that is not 2xx (``Response.raise_for_status``)."""

    reason = "http_error"


# --- the policy --------------------------------------------------------------------------------

def parse_networks(text: str | Iterable[str]) -> tuple[IPNetwork, ...]:
    """``OUTBOUND_ALLOWED_NETWORKS``: comma-separated CIDRs (a bare address is a /32 or /128)."""
    items = text.split(",") if isinstance(text, str) else list(text)
    networks = []
    for item in (i.strip() for i in items):
        if item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError as e:
                raise ValueError(f"OUTBOUND_ALLOWED_NETWORKS: {item!r} is not a network ({e})") from None
    return tuple(networks)


@dataclass(frozen=True)
class Policy:
    """Where requests may go and how long and large their answers may be."""

    allowed_networks: tuple[IPNetwork, ...] = ()
    connect_timeout: float = 3.0
    total_timeout: float = 10.0
    max_response_bytes: int = 1024 * 1024
    max_redirects: int = 3
    ca_certs: str = field(default_factory=certifi.where)  # tests may name their own CA

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **overrides: Any) -> Policy:
        values: dict[str, Any] = {
            "allowed_networks": parse_networks(config.get("OUTBOUND_ALLOWED_NETWORKS", "")),
            "connect_timeout": float(config.get("OUTBOUND_CONNECT_TIMEOUT_SECONDS", 3.0)),
            "total_timeout": float(config.get("OUTBOUND_TIMEOUT_SECONDS", 10.0)),
            "max_response_bytes": int(config.get("OUTBOUND_MAX_RESPONSE_BYTES", 1024 * 1024)),
        }
        values.update(overrides)
        return cls(**values)


# --- addresses ---------------------------------------------------------------------------------

def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for: mapped (::ffff:a.b.c.d), compatible
    (::a.b.c.d), 6to4, Teredo's client, NAT64."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    packed = address.packed
    if packed[:12] == bytes(12) and int.from_bytes(packed[12:], "big") > 1:  # ::a.b.c.d, not :: or ::1
        return ipaddress.IPv4Address(packed[12:])
    if any(address in net for net in _NAT64):
        return ipaddress.IPv4Address(packed[12:])
    return None


def _is_public(address: IPAddress) -> bool:
    if address.is_multicast or address.is_unspecified or address.is_reserved or address.is_loopback \
            or address.is_link_local or address.is_private or not address.is_global:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None and not _is_public(embedded):
            return False
    return True


def check_address(address: IPAddress, policy: Policy) -> IPAddress:
    """The address to connect to (an IPv4-mapped IPv6 one becomes its IPv4 address), or
    ``RefusedAddress`` when it is not public and not in an allowed network."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address.version == net.version and address in net for net in policy.allowed_networks):
        return address
    if not _is_public(address):
        raise RefusedAddress(f"refused address {address} (not a public address)")
    return address


def _literal_address(host: str) -> IPAddress | None:
    """An address written in the URL: IPv6 in brackets, dotted IPv4, or any form the C
    library's inet_aton takes (``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``127.1``)."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def resolve(host: str, port: int, policy: Policy) -> IPAddress:
    """The checked address to connect to for ``host``: the first address it resolves to that
    passes ``check_address`` (the connection goes there and nowhere else); ``RefusedAddress``
    when none does."""
    literal = _literal_address(host)
    if literal is not None:
        return check_address(literal, policy)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as e:
        raise ResolutionFailed(f"could not resolve {host}: {getattr(e, 'strerror', None) or e}") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos))
    if not addresses:
        raise ResolutionFailed(f"could not resolve {host}")
    refusal: RefusedAddress | None = None
    for address in addresses:
        try:
            return check_address(address, policy)
        except RefusedAddress as e:
            refusal = refusal or e
    assert refusal is not None
    raise refusal


# --- URLs --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    scheme: str
    host: str       # as written, lower case, without brackets
    port: int
    path: str       # path and query, what goes on the request line

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def parse_url(url: str) -> Target:
    """Check a URL's form (not yet where it leads): http(s), a host, no credentials."""
    if len(url) > 2048 or any(c in url for c in "\r\n\t\x00 "):
        raise InvalidUrl("invalid URL (too long or with spaces or control characters)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidUrl("invalid URL") from None
    if parts.scheme not in ("http", "https"):
        raise InvalidUrl(f"only http and https URLs are allowed, not {parts.scheme or 'none'!r}")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise InvalidUrl("credentials in the URL are not allowed")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise InvalidUrl("the URL has no host")
    if port == 0:
        raise InvalidUrl("invalid port 0")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port or (443 if parts.scheme == "https" else 80), path)


# --- requests ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]   # lower-case names
    body: bytes               # at most the policy's max_response_bytes
    url: str                  # the final URL, after redirects
    elapsed: float            # seconds, the whole exchange

    @property
    def excerpt(self) -> bytes:
        return self.body[:EXCERPT_BYTES]

    def raise_for_status(self) -> Response:
        if not 200 <= self.status < 300:
            raise BadStatus(f"HTTP {self.status}", status=self.status, excerpt=self.excerpt)
        return self


def request(method: str, url: str, *, body: bytes | None = None, headers: Mapping[str, str] | None = None,
            policy: Policy) -> Response:
    """Make one request (following redirects) under ``policy``; see the module's docstring.
    Returns the final answer whatever its status (``raise_for_status`` for 2xx only)."""
    started = time.monotonic()
    deadline = started + policy.total_timeout
    target = parse_url(url)
    sent_headers = {k: v for k, v in (headers or {}).items() if k.lower() not in ("host", "user-agent")}
    for hop in range(policy.max_redirects + 1):
        status, answer_headers, answer = _exchange(method, target, body, sent_headers, policy, deadline)
        location = answer_headers.get("location")
        if status not in REDIRECTS or not location:
            return Response(status, answer_headers, answer, _url_of(target), time.monotonic() - started)
        if hop == policy.max_redirects:
            break
        try:
            following = parse_url(urljoin(_url_of(target), location))
        except InvalidUrl as e:
            raise InvalidUrl(f"redirect to an invalid URL: {e.message}", status=status) from None
        if target.scheme == "https" and following.scheme == "http":
            raise RefusedAddress("refused redirect from https to http", status=status)
        if (following.scheme, following.host, following.port) != (target.scheme, target.host, target.port):
            sent_headers = {k: v for k, v in sent_headers.items() if k.lower() not in ("authorization", "cookie")}
        if status == 303 or (status in (301, 302) and method.upper() == "POST"):
            method, body = "GET", None  # as browsers and requests do; 307 and 308 keep both
            sent_headers = {k: v for k, v in sent_headers.items()
                            if k.lower() not in ("content-type", "content-length")}
        target = following
    raise TooManyRedirects(f"more than {policy.max_redirects} redirects")


def _url_of(target: Target) -> str:
    return f"{target.scheme}://{target.host_header}{target.path}"


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimedOut("timed out (total limit reached)")
    return left


def _exchange(method: str, target: Target, body: bytes | None, headers: dict[str, str], policy: Policy,
              deadline: float) -> tuple[int, dict[str, str], bytes]:
    """One request to one checked address: status, headers, capped body."""
    address = resolve(target.host, target.port, policy)
    left = _remaining(deadline)
    timeout = urllib3.Timeout(connect=min(policy.connect_timeout, left), read=left)
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        # Connect to the checked address; SNI and the certificate's name check use the host.
        pool = urllib3.HTTPSConnectionPool(str(address), target.port, timeout=timeout, retries=False, maxsize=1,
                                           block=False, cert_reqs="CERT_REQUIRED", ca_certs=policy.ca_certs,
                                           server_hostname=target.host, assert_hostname=target.host)
    else:
        pool = urllib3.HTTPConnectionPool(str(address), target.port, timeout=timeout, retries=False, maxsize=1,
                                          block=False)
    request_headers = {"Host": target.host_header, "User-Agent": USER_AGENT, "Accept-Encoding": "identity",
                       **headers}
    try:
        response = pool.urlopen(method, target.path, body=body, headers=request_headers, redirect=False,
                                retries=False, preload_content=False, decode_content=False,
                                assert_same_host=False)
        try:
            answer_headers = {k.lower(): v for k, v in response.headers.items()}
            return response.status, answer_headers, _read_capped(response, policy, deadline, target)
        finally:
            response.close()  # never drain what is left: close the connection
    except OutboundError:
        raise
    except NewConnectionError as e:  # before timeouts: urllib3 makes it a ConnectTimeoutError
        if isinstance(e.__context__, TimeoutError) or "timed out" in str(e):
            raise TimedOut(f"timed out connecting (limit {policy.connect_timeout:g} s)") from None
        raise ConnectionFailed(f"could not connect to {target.host_header}: {_short(e)}") from None
    except (ConnectTimeoutError, ReadTimeoutError, Urllib3Timeout, TimeoutError):
        raise TimedOut(f"timed out (limit {policy.total_timeout:g} s)") from None
    except SSLError as e:
        raise TlsFailed(f"TLS failed: {_short(e)}") from None
    except (ProtocolError, urllib3.exceptions.HTTPError, OSError) as e:
        if "timed out" in str(e):
            raise TimedOut("timed out") from None
        raise ConnectionFailed(f"connection failed: {_short(e)}") from None
    finally:
        pool.close()


def _read_capped(response: urllib3.BaseHTTPResponse, policy: Policy, deadline: float, target: Target) -> bytes:
    cap = policy.max_response_bytes
    declared = response.headers.get("content-length")
    if declared and declared.strip().isdigit() and int(declared) > cap:
        raise TooLarge(f"response larger than {cap} bytes (Content-Length {int(declared)})",
                       status=response.status)
    chunks: list[bytes] = []
    size = 0
    sock = getattr(getattr(response, "connection", None), "sock", None)
    while True:
        left = _remaining(deadline)
        if sock is not None:
            sock.settimeout(left)  # the total deadline bounds a body that trickles in
        chunk = response.read1(min(64 * 1024, cap + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            raise TooLarge(f"response larger than {cap} bytes", status=response.status,
                           excerpt=b"".join(chunks)[:EXCERPT_BYTES])


def _short(error: BaseException) -> str:
    text = str(getattr(error, "reason", None) or error)
    for noise in ("Failed to establish a new connection: ", "): "):  # urllib3's "Connection(...): ..."
        if noise in text:
            text = text.split(noise, 1)[1]
    return text if len(text) <= 160 else text[:157] + "..."


# --- waiting without holding a job worker ------------------------------------------------------

_slots_guard = threading.Lock()


def run_in_background(app: Flask, fn: Callable[[], object], *, name: str) -> None:
    """Run ``fn`` in an app context on a thread of its own (a green thread under eventlet and
    gevent, where waiting on a socket costs nearly nothing), so the caller, a job worker, is
    free again at once. At most ``OUTBOUND_CONCURRENCY`` run at a time in this process; past
    that the caller waits for one to finish. ``fn`` records its own outcome: an exception is
    only logged."""
    with _slots_guard:
        slots = app.extensions.get("chat.outbound.slots")
        if slots is None:
            slots = app.extensions["chat.outbound.slots"] = threading.BoundedSemaphore(
                max(1, int(app.config.get("OUTBOUND_CONCURRENCY", 50))))
    slots.acquire()

    def run() -> None:
        try:
            with app.app_context():
                fn()
        except Exception:
            log.exception("background request %s failed", name)
        finally:
            slots.release()

    try:
        threading.Thread(target=run, name=name, daemon=True).start()
    except BaseException:
        slots.release()
        raise
