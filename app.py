"""Launcher: pick the async mode, monkey-patch first, then create the app and serve.

``python app.py`` serves on CHAT_HOST:CHAT_PORT (127.0.0.1:5000) under eventlet by default.
``flask --app app <command>`` imports this module for the administration commands.
Nothing outside this file knows which async framework runs.
"""
from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # nothing is imported at run time before the monkey-patching below
    import socket
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

ASYNC_MODE = os.environ.get("CHAT_ASYNC_MODE", "eventlet")
# eventlet is in bug-fix-only maintenance and prints a banner on import; we know (docs/deployment.md).
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")


def _address() -> tuple[str, int]:
    """CHAT_HOST and CHAT_PORT, read here as chat/config.py reads them (the application is not
    loaded yet when the listener is made)."""
    return os.environ.get("CHAT_HOST", "127.0.0.1"), int(os.environ.get("CHAT_PORT", "5000"))


def _listen_backlog() -> int:
    """CHAT_LISTEN_BACKLOG, else the kernel's own ceiling (net.core.somaxconn): after a restart
    every client reconnects within a second or two, and eventlet's default of 50 made thousands
    of them time out while the server sat idle (bench/README.md)."""
    if os.environ.get("CHAT_LISTEN_BACKLOG"):
        return int(os.environ["CHAT_LISTEN_BACKLOG"])
    try:
        with open("/proc/sys/net/core/somaxconn") as f:
            return int(f.read())
    except (OSError, ValueError):
        import socket

        return socket.SOMAXCONN


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, made here the same way in every async mode (the servers' own
    defaults differ: eventlet listened with a backlog of 50 and SO_REUSEPORT, which let a second
    server start on a taken port and silently take half its connections). SO_REUSEADDR only:
    a restart may bind over connections in TIME_WAIT, never beside a live listener. A taken port
    ends the process before it loads the application or touches the database.

    It is made before the application is loaded (imports and set-up take 1-4 s): clients that
    reconnect meanwhile, after a restart, wait in the listen queue and are answered as soon as
    the server serves, instead of being refused and backing off for up to 5 s more."""
    import errno
    import socket
    import sys

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)  # green under eventlet and gevent (patched)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        if err.errno == errno.EADDRINUSE:
            print(f"chat: port {port} is already in use on {host}; is another server running there? "
                  "Stop it or set CHAT_PORT.", file=sys.stderr, flush=True)
            sys.exit(1)
        raise
    sock.listen(_listen_backlog())
    return sock


LISTENER: socket.socket | None = None
if __name__ == "__main__":
    if ASYNC_MODE == "eventlet":
        import eventlet

        eventlet.monkey_patch()
    elif ASYNC_MODE == "gevent":
        from gevent import monkey

        monkey.patch_all()
    # First, so that a second server on a taken port changes nothing (the socket is green: the
    # monkey-patching came first).
    LISTENER = _listen(*_address())

from chat import create_app  # noqa: E402
from chat.database import upgrade_schema  # noqa: E402
from chat.extensions import set_offload, socketio  # noqa: E402

app = create_app()


def _use_os_threads_for_cpu_work() -> None:
    """Password hashing must not stall every socket: run it on real OS threads."""
    if ASYNC_MODE == "eventlet":
        from eventlet import tpool

        set_offload(tpool.execute)
    elif ASYNC_MODE == "gevent":
        import gevent

        set_offload(lambda fn, *args: gevent.get_hub().threadpool.apply(fn, args))


def _cooperative_postgres() -> None:
    """psycopg2 waits for PostgreSQL inside C: without a wait callback that stalls every socket
    of the process, and a green thread waiting for a lock (the event writers' advisory lock, a
    row lock) that another green thread of the same process holds would wait forever.
    eventlet's monkey-patching installs one; under gevent, psycopg2's documented ``wait_select``
    waits through ``select``, which gevent has made green."""
    if ASYNC_MODE == "gevent":
        import psycopg2.extensions
        import psycopg2.extras

        psycopg2.extensions.set_wait_callback(psycopg2.extras.wait_select)


def _tcp_nodelay(wsgi_app: WSGIApplication) -> WSGIApplication:
    """Turn off Nagle's algorithm on every client connection.

    A socket event is answered with small frames written back to back (the broadcast to the
    sender's own room, then the ack); with Nagle on, the second waits for the client's delayed
    ACK, about 40 ms on Linux, which capped a sender at ~25 acked messages/s (bench/README.md).
    """
    import socket

    def serve(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        sock = environ.get("werkzeug.socket")  # threading
        if sock is None and "eventlet.input" in environ:
            sock = environ["eventlet.input"].get_socket()
        elif sock is None:  # gevent's pywsgi: an Input wrapping the file, or the bare file on upgrades
            stream = environ.get("wsgi.input")
            stream = getattr(stream, "rfile", stream)
            sock = getattr(getattr(stream, "raw", None), "_sock", None)
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except (OSError, AttributeError):
                pass
        return wsgi_app(environ, start_response)

    return serve


def _eventlet_chunked_input(wsgi_app: WSGIApplication) -> WSGIApplication:
    """eventlet's server de-chunks a `Transfer-Encoding: chunked` body and ends it at the last
    chunk, but does not say so (`wsgi.input_terminated`, as gevent's and Werkzeug's servers do):
    without it Werkzeug reads a body with no Content-Length as empty."""
    def serve(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
            environ["wsgi.input_terminated"] = True
        return wsgi_app(environ, start_response)

    return serve


def _eventlet_protocol() -> type[Any]:
    """eventlet's HTTP protocol, answering a request head over its limits (a header line of
    8 KiB, 64 KiB in all) the way the app answers one (chat.api.headers_too_large) instead of
    with an empty 400."""
    import eventlet.wsgi

    from chat.api import headers_too_large

    class Protocol(eventlet.wsgi.HttpProtocol):
        def parse_request(self) -> bool:
            try:
                return super().parse_request()
            except (eventlet.wsgi.HeaderLineTooLong, eventlet.wsgi.HeadersTooLarge):
                words = self.raw_requestline.split()
                path = words[1].decode("latin-1") if len(words) > 1 else ""
                status, headers, body = headers_too_large(path)
                head = "".join(f"{name}: {value}\r\n" for name, value in headers)
                self.wfile.write(f"HTTP/1.1 {status}\r\n{head}Connection: close\r\n\r\n".encode("latin-1") + body)
                self.close_connection = 1
                return False

    return Protocol


def _server_options() -> dict[str, Any]:
    """Options of the chosen async mode's WSGI server."""
    options = _connection_limit()
    if ASYNC_MODE == "eventlet":
        options["protocol"] = _eventlet_protocol()
    return options


def _connection_limit() -> dict[str, Any]:
    """Every open socket is a file: lift the soft open-files limit to the hard one, and let
    eventlet hold that many connections (its WSGI server stops accepting at 1,024 by default,
    however many sockets the process could keep). gevent and threading have no such cap."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return {"max_size": soft} if ASYNC_MODE == "eventlet" else {}


def _heartbeat() -> None:
    """Every PRESENCE_HEARTBEAT_SECONDS: tell the other processes this one is alive, and take the
    people of silent ones offline (services/presence.py)."""
    from chat.realtime import close_local_sockets
    from chat.services import presence

    server_id = app.config["SERVER_ID"]
    while True:
        socketio.sleep(app.config["PRESENCE_HEARTBEAT_SECONDS"])
        with app.app_context():
            try:
                if not presence.heartbeat(server_id):
                    # Another process took this one for dead (a stall longer than the timeout)
                    # and removed its connections: have the clients reconnect to be counted.
                    app.logger.warning("this server was presumed dead; closing its sockets")
                    close_local_sockets()
                presence.expire_silent_servers()
            except Exception:  # the heartbeat must never take the server down
                app.logger.exception("heartbeat failed")


def _quiet_garbage_collector() -> None:
    """Move everything loaded at start (modules, mappers, compiled statements) out of the
    collector's sight, and let the youngest generation grow larger before a collection: with
    hundreds of thousands of long-lived objects, full collections stalled every socket for
    tens of milliseconds (the fan-out's p99)."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


def _serve(listener: socket.socket) -> None:
    """Serve the app on the listening socket, as ``socketio.run`` would in each mode."""
    if ASYNC_MODE == "eventlet":
        import eventlet.wsgi

        eventlet.wsgi.server(listener, app, log_output=False, **_server_options())
    elif ASYNC_MODE == "gevent":
        from gevent import pywsgi

        socketio.wsgi_server = pywsgi.WSGIServer(listener, app, log=None)  # socketio.stop() uses it
        socketio.wsgi_server.serve_forever()
    else:
        from werkzeug.serving import make_server

        _connection_limit()
        make_server(app.config["CHAT_HOST"], app.config["CHAT_PORT"], app, threaded=True,
                    fd=listener.fileno()).serve_forever()


def _start_jobs() -> None:
    """Hand over jobs a crash left behind; then run JOB_WORKERS workers here, or none."""
    from chat.core import jobs

    workers = app.config["JOB_WORKERS"]
    if workers > 0:
        jobs.start_in_process(app)
        print(f"jobs: {workers} workers in this process ({jobs.queue(app).url.split('://')[0]} queue)", flush=True)
    else:
        with app.app_context():
            jobs.relay()
        print("jobs: none run in this process (JOB_WORKERS=0); `flask --app app worker` runs them", flush=True)


def main(listener: socket.socket | None = None) -> None:
    """Serve on ``listener``, else on a socket made now."""
    from chat.services import presence

    host, port = app.config["CHAT_HOST"], app.config["CHAT_PORT"]
    listener = listener or _listen(host, port)
    _use_os_threads_for_cpu_work()
    _cooperative_postgres()
    app.wsgi_app = _tcp_nodelay(app.wsgi_app)  # type: ignore[method-assign,assignment]  # WSGI middleware, Flask's way
    if ASYNC_MODE == "eventlet":
        app.wsgi_app = _eventlet_chunked_input(app.wsgi_app)  # type: ignore[method-assign,assignment]  # WSGI middleware too
    if app.config["AUTO_MIGRATE"]:
        upgrade_schema(app)
    with app.app_context():
        presence.forget_server(app.config["SERVER_ID"])
    _start_jobs()
    socketio.start_background_task(_heartbeat)
    _quiet_garbage_collector()
    print(f"chat server on http://{host}:{port} ({ASYNC_MODE})", flush=True)
    _serve(listener)


if __name__ == "__main__":
    main(LISTENER)
