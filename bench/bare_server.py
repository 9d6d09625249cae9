"""The reference limit of the stack: python-socketio alone, no Flask app, no database.

    python bench/bare_server.py eventlet|gevent|threading [--port 5001]

Clients join rooms on connect (``auth={"channels": [ids]}``, default ``[1]``). On
``message.send`` the server numbers the message, broadcasts ``message.created`` to
``channel:<channel_id>`` with the same envelope shape the chat server uses, then acks
``{"data": payload}`` -- the same order as the chat server (emit after commit, then the ack).
It is served the way Flask-SocketIO's ``socketio.run`` serves each mode, with the same
engine.io settings as ``chat/__init__.py``, and with TCP_NODELAY on every connection as ``app.py``
sets it, so the only difference is the application work.
"""
from __future__ import annotations

import sys

MODE = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "eventlet"
if __name__ == "__main__":  # monkey-patch first, as app.py does
    if MODE == "eventlet":
        import warnings

        warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
        import eventlet

        eventlet.monkey_patch()
    elif MODE == "gevent":
        from gevent import monkey

        monkey.patch_all()

import argparse  # noqa: E402
import itertools  # noqa: E402
import socket  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from typing import Any  # noqa: E402

import socketio  # noqa: E402


def build(mode: str) -> tuple[socketio.Server, socketio.WSGIApp]:
    sio = socketio.Server(async_mode=mode, max_http_buffer_size=256 * 1024, ping_interval=20,
                          ping_timeout=20, cors_allowed_origins=None)
    numbers = itertools.count(1)

    @sio.event
    def connect(sid: str, environ: dict, auth: Any = None) -> bool:
        channels = auth.get("channels") if isinstance(auth, dict) else None
        for channel_id in channels or [1]:
            sio.enter_room(sid, f"channel:{channel_id}")
        return True

    @sio.on("message.send")
    def send(sid: str, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            return {"error": {"code": "invalid", "message": "send a JSON object"}}
        n = next(numbers)
        channel_id = data.get("channel_id", 1)
        payload = {"id": n, "workspace_id": 1, "channel_id": channel_id, "author": {"id": 0},
                   "client_msg_id": data.get("client_msg_id"), "thread_root_id": None,
                   "body": data.get("body"), "html": data.get("body"),
                   "created_at": datetime.now(UTC).isoformat(timespec="milliseconds")}
        envelope = {"id": n, "type": "message.created", "workspace_id": 1, "channel_id": channel_id,
                    "data": payload}
        sio.emit("message.created", envelope, to=f"channel:{channel_id}")
        return {"data": payload}

    return sio, socketio.WSGIApp(sio)


# The listen backlog each server uses by default (eventlet.listen, gevent StreamServer, werkzeug).
BACKLOG = {"eventlet": 50, "gevent": 128, "threading": 128}


def _listener(host: str, port: int, nodelay: bool, backlog: int) -> socket.socket:
    """A listening socket (green after monkey-patching); accepted sockets inherit TCP_NODELAY."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if nodelay:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    return sock


def serve(mode: str, host: str, port: int, nodelay: bool = True) -> None:
    _, app = build(mode)
    print(f"bare socket.io server on http://{host}:{port} ({mode}, TCP_NODELAY={nodelay})", flush=True)
    listener = _listener(host, port, nodelay, BACKLOG[mode])
    if mode == "eventlet":
        import resource

        import eventlet.wsgi

        # As app.py: as many connections as open files (eventlet's default stops at 1,024).
        eventlet.wsgi.server(listener, app, log_output=False,
                             max_size=resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    elif mode == "gevent":
        from gevent import pywsgi

        pywsgi.WSGIServer(listener, app, log=None).serve_forever()
    else:
        import logging

        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        make_server(host, port, app, threaded=True, fd=listener.fileno()).serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", nargs="?", default="eventlet", choices=("eventlet", "gevent", "threading"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument("--nagle", action="store_true",
                        help="leave Nagle's algorithm on (the WSGI servers' default; app.py turns it off)")
    args = parser.parse_args()
    serve(args.mode, args.host, args.port, nodelay=not args.nagle)


if __name__ == "__main__":
    main()
