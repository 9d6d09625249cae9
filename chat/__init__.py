"""The chat server. ``create_app`` is the one place where things are wired together."""
from __future__ import annotations

import os
import socket
from typing import Any

from flask import Flask

from chat import config as config_module
from chat.database import MIGRATIONS_DIR
from chat.extensions import csrf, db, limiter, login_manager, migrate, socketio


def create_app(config: dict[str, Any] | None = None) -> Flask:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    settings = config_module.from_env()
    settings.update(config or {})
    app = Flask(__name__, instance_path=settings["INSTANCE_DIR"],
                template_folder=os.path.join(root, "templates"), static_folder=os.path.join(root, "static"))
    app.config.update(settings)
    # Keep payloads in the order they are built (id first) and skip sorting every key of every
    # message on each response: a history page has thousands.
    app.json.sort_keys = False  # type: ignore[attr-defined]  # DefaultJSONProvider's; typed as its base
    if not app.config["SERVER_ID"]:
        app.config["SERVER_ID"] = f"{socket.gethostname()}:{app.config['CHAT_PORT']}"

    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(app.config))
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "web.login"
    from chat.realtime import MAX_FRAME, EventPacket

    socketio.init_app(
        app,
        async_mode=app.config["CHAT_ASYNC_MODE"],
        message_queue=app.config["MESSAGE_QUEUE_URL"],
        channel=app.config["MESSAGE_QUEUE_CHANNEL"],
        **_queue_manager(app.config),
        # Same origin is always allowed; anything else must be listed explicitly.
        cors_allowed_origins=app.config["CORS_ALLOWED_ORIGINS"] or None,
        # Payloads are decoded by EventPacket, which acks over-limit and malformed ones with an
        # error; the transport takes frames up to MAX_FRAME so that it gets to read them.
        serializer=EventPacket,
        max_http_buffer_size=MAX_FRAME,
        ping_interval=20,
        ping_timeout=20,
    )

    from chat import jobs, models, storage  # noqa: F401  (register tables and jobs)

    storage.init_app(app)
    from chat.api import api, limit_request_headers
    from chat.cli import register_cli
    from chat.realtime import register_handlers
    from chat.web import assets, web

    app.register_blueprint(api)
    from chat.api.slack import slack_api

    app.register_blueprint(slack_api)
    # WSGI middleware, as Flask documents (Socket.IO's requests pass through it too).
    app.wsgi_app = limit_request_headers(app.wsgi_app)  # type: ignore[method-assign,assignment]  # middleware
    app.register_blueprint(web)
    from chat.webhooks import hooks

    app.register_blueprint(hooks)
    assets.init_app(app)
    register_handlers(socketio)
    register_cli(app)
    if app.config["TRUSTED_PROXIES"]:
        # request.remote_addr becomes the client's address, as the last proxies saw it.
        from werkzeug.middleware.proxy_fix import ProxyFix

        proxied = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"])
        app.wsgi_app = proxied  # type: ignore[method-assign]  # WSGI middleware, as Flask documents
    return app


def _queue_manager(config: dict[str, Any]) -> dict[str, Any]:
    """A Redis queue delivers durable events in commit order on every process (``delivery``);
    other queues keep python-socketio's own manager."""
    url = config["MESSAGE_QUEUE_URL"]
    if not url or not url.startswith(("redis://", "rediss://")):
        return {}
    from chat.core.delivery import OrderedRedisManager

    return {"client_manager": OrderedRedisManager(url, channel=config["MESSAGE_QUEUE_CHANNEL"])}


def _engine_options(config: dict[str, Any]) -> dict[str, Any]:
    url = config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite") and (":memory:" in url or url.rstrip("/") == "sqlite:"):
        return {}  # one shared in-memory database: Flask-SQLAlchemy's static pool
    # A PostgreSQL server has a connection limit: past twice the pool, requests wait for a free
    # connection. SQLite has none; connections beyond the pool are opened and closed as needed.
    # The most recently returned connection is handed out first: with SQLite, the one that
    # wrote last still has a valid page cache (WAL mode drops a connection's cache once another
    # has written), which saved nine in ten page reads on the send path (bench/README.md).
    size = config["DATABASE_POOL_SIZE"]
    return {"pool_size": size, "max_overflow": -1 if url.startswith("sqlite") else size, "pool_use_lifo": True}
