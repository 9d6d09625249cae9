"""Configuration as data: environment-driven defaults and a test override.

Every setting has an embedded default so `python app.py` works on a fresh
machine: a SQLite file under ``instance/`` and the in-process message queue.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ASYNC_MODES = ("eventlet", "gevent", "threading")


def _instance_dir() -> Path:
    path = Path(os.environ.get("CHAT_INSTANCE_DIR", Path(__file__).resolve().parent.parent / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(instance: Path) -> str:
    """Use SECRET_KEY when given; otherwise generate one once and keep it under instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _normalise_db_url(url: str) -> str:
    # Heroku-style "postgres://" URLs are common; SQLAlchemy wants "postgresql://".
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    return url


# Rate limits in Flask-Limiter's notation ("N per second|minute|hour|day", or "N per 10
# seconds"; several joined by ";" all apply). What each counts: README.md and docs/api.md.
RATE_LIMIT_DEFAULTS = {
    # Every REST request of a signed-in person (all their tokens and sessions together);
    # Mattermost allows about 10 per second per user.
    "RATE_LIMIT_API": "1200 per minute",
    # REST requests without valid credentials, per address.
    "RATE_LIMIT_API_ANONYMOUS": "300 per minute",
    # Sign-in attempts (POST /auth/token, the /login form) per address, right or wrong.
    "RATE_LIMIT_SIGNIN": "60 per minute; 600 per hour",
    # Wrong passwords for one account from one address: tiers make the wait grow.
    "RATE_LIMIT_SIGNIN_FAILURES": "5 per 5 minutes; 20 per hour; 50 per day",
    # Wrong passwords for one account from all addresses together; once over, only addresses
    # the account signed in from recently may still try (the owner is not locked out).
    "RATE_LIMIT_ACCOUNT_FAILURES": "20 per hour; 100 per day",
    # New accounts per address.
    "RATE_LIMIT_SIGNUP": "20 per hour",
    # New API tokens per person (POST /auth/token and POST /tokens).
    "RATE_LIMIT_TOKENS": "30 per hour",
    # New invite links per person and workspace.
    "RATE_LIMIT_INVITES": "100 per hour",
    # New bots made by one admin.
    "RATE_LIMIT_BOTS": "30 per hour",
    # Messages per person, REST and socket together: Mattermost's 10 per second with a
    # burst of 100.
    "RATE_LIMIT_SENDS": "100 per 10 seconds",
    # File upload requests per person.
    "RATE_LIMIT_UPLOADS": "60 per minute",
    # Posts to one incoming webhook (Slack allows about one per second, with bursts).
    "RATE_LIMIT_WEBHOOK_POSTS": "60 per minute",
    # New incoming webhooks made by one person per workspace.
    "RATE_LIMIT_WEBHOOKS": "30 per hour",
    # Slash commands run per person (POST /channels/{id}/commands): each custom one is a request to
    # an integration; built-ins that post (/me, /shrug) also count as messages.
    "RATE_LIMIT_COMMANDS": "60 per minute",
    # Deliveries to integrations sent again by hand (POST /deliveries/{id}/replay), per admin.
    "RATE_LIMIT_DELIVERY_REPLAYS": "60 per hour",
    # Slack-compatible Web API calls per token (/api/<method>), beside RATE_LIMIT_API per person.
    "RATE_LIMIT_WEB_API": "600 per minute",
    # Requests for images in bot messages (GET /api/v1/images/...) per person, cached or not, and of those
    # the ones that fetch the image from its server (not yet cached).
    "RATE_LIMIT_IMAGES": "600 per minute",
    "RATE_LIMIT_IMAGE_FETCHES": "120 per minute",
}


def _rate_limits() -> dict:
    limits = {name: os.environ.get(name, default) for name, default in RATE_LIMIT_DEFAULTS.items()}
    return {
        **limits,
        # Reverse proxies in front that append the client's address to X-Forwarded-For: the
        # per-address limits then count the client, not the proxy. 0: trust no such header.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "RATELIMIT_ENABLED": os.environ.get("RATE_LIMITS_ENABLED", "1") == "1",
        # Counters live in Redis when the deployment has it, so every process sees them.
        "RATELIMIT_STORAGE_URI": (os.environ.get("RATE_LIMIT_STORAGE_URL") or os.environ.get("MESSAGE_QUEUE_URL")
                                  or "memory://"),
    }


def _at_least_one(name: str, default: str, hint: str) -> int:
    value = int(os.environ.get(name, default))
    if value < 1:
        raise ValueError(f"{name} must be at least 1 ({hint})")
    return value


def from_env() -> dict:
    """Build the config dict from environment variables (documented in README.md)."""
    instance = _instance_dir()
    async_mode = os.environ.get("CHAT_ASYNC_MODE", "eventlet")
    if async_mode not in ASYNC_MODES:
        raise ValueError(f"CHAT_ASYNC_MODE must be one of {ASYNC_MODES}, not {async_mode!r}")
    database_url = _normalise_db_url(os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'chat.db'}"))
    return {
        "INSTANCE_DIR": str(instance),
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(instance / "uploads")),
        "MESSAGE_QUEUE_URL": os.environ.get("MESSAGE_QUEUE_URL") or None,
        # Processes sharing one queue must share this name; separate deployments pick their own.
        "MESSAGE_QUEUE_CHANNEL": os.environ.get("MESSAGE_QUEUE_CHANNEL", "chat-socketio"),
        "CHAT_HOST": os.environ.get("CHAT_HOST", "127.0.0.1"),
        "CHAT_PORT": int(os.environ.get("CHAT_PORT", "5000")),
        "CHAT_ASYNC_MODE": async_mode,
        # Comma-separated extra origins allowed to open a websocket; same origin is always allowed.
        "CORS_ALLOWED_ORIGINS": [o for o in os.environ.get("CORS_ALLOWED_ORIGINS", "").split(",") if o],
        "SERVER_ID": os.environ.get("CHAT_SERVER_ID", ""),
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Set to 1 when serving over HTTPS so cookies never travel in clear text.
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE") == "1",
        "REMEMBER_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE") == "1",
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "WTF_CSRF_CHECK_DEFAULT": False,  # checked in api/web for cookie-authenticated writes only
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,  # file uploads have their own, larger limit
        # The largest body a post to an incoming webhook may have (413 past it).
        "WEBHOOK_MAX_BYTES": int(os.environ.get("WEBHOOK_MAX_BYTES", str(1024 * 1024))),
        # Where this server is reached from outside, for the webhook URLs the command line prints
        # (the REST API uses the address each request came to). Default: http://CHAT_HOST:CHAT_PORT.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", ""),
        # Largest file anyone may share; admins can set a lower limit for their workspace.
        "FILE_MAX_BYTES": int(os.environ.get("FILE_MAX_BYTES", str(100 * 1024 * 1024))),
        # How long an upload URL of the Web API (files.getUploadURLExternal) takes the bytes.
        "FILE_UPLOAD_URL_SECONDS": int(os.environ.get("FILE_UPLOAD_URL_SECONDS", "600")),
        # Previews run in child processes with these limits, a few at a time per process that
        # runs jobs.
        "PREVIEW_CONCURRENCY": _at_least_one("PREVIEW_CONCURRENCY", "2", "JOB_WORKERS=0 keeps a process from "
                                             "running jobs, previews included"),
        "PREVIEW_TIMEOUT_SECONDS": float(os.environ.get("PREVIEW_TIMEOUT_SECONDS", "30")),
        "PREVIEW_CPU_SECONDS": int(os.environ.get("PREVIEW_CPU_SECONDS", "20")),
        "PREVIEW_MEMORY_BYTES": int(os.environ.get("PREVIEW_MEMORY_BYTES", str(1024 * 1024 * 1024))),
        # Argon2id cost; tests lower it so signing up many users stays quick.
        "ARGON2_TIME_COST": int(os.environ.get("ARGON2_TIME_COST", "3")),
        "ARGON2_MEMORY_COST": int(os.environ.get("ARGON2_MEMORY_COST", str(64 * 1024))),
        # At most this many password hashes run at once per process (Argon2 takes
        # ARGON2_MEMORY_COST KiB each); up to PASSWORD_HASH_QUEUE more wait, the rest get 503 busy.
        "PASSWORD_HASH_CONCURRENCY": int(os.environ.get("PASSWORD_HASH_CONCURRENCY", "2")),
        "PASSWORD_HASH_QUEUE": int(os.environ.get("PASSWORD_HASH_QUEUE", "32")),
        **_rate_limits(),
        "AUTO_MIGRATE": os.environ.get("AUTO_MIGRATE", "1") == "1",
        # Database connections kept open. Every request or socket event in progress holds one
        # (green threads make hundreds possible), and one opened past the pool is closed again
        # afterwards: on SQLite that costs more than the request (a new connection reads the
        # schema again), so SQLite keeps 100 (50 webhook posts at once went from 520 to 850 a
        # second, bench/README.md run T); a PostgreSQL server's connection limit says 20.
        "DATABASE_POOL_SIZE": int(os.environ.get("DATABASE_POOL_SIZE")
                                  or (100 if database_url.startswith("sqlite") else 20)),
        # The event log clients catch up from is pruned past either bound ("0": no bound); a
        # client whose cursor is older reloads its state (docs/realtime.md).
        "EVENT_LOG_MAX_AGE_DAYS": float(os.environ.get("EVENT_LOG_MAX_AGE_DAYS", "14")),
        "EVENT_LOG_MAX_EVENTS": int(os.environ.get("EVENT_LOG_MAX_EVENTS", "5000000")),
        # Background jobs (chat/core/jobs.py). The queue: a Redis URL, or sqlite:///path; by
        # default MESSAGE_QUEUE_URL when that is Redis, else a SQLite file next to the database.
        "JOB_QUEUE_URL": os.environ.get("JOB_QUEUE_URL") or None,
        # Worker threads this server runs (green under eventlet/gevent); 0: it runs no jobs, and
        # `flask --app app worker` processes (Redis queue) run them.
        "JOB_WORKERS": int(os.environ.get("JOB_WORKERS", "4")),
        # A running job's lease; a job whose process dies is run again once it has lapsed, found
        # by the sweep every half lease (which also hands over jobs a crash left in the outbox).
        "JOB_LEASE_SECONDS": float(os.environ.get("JOB_LEASE_SECONDS", "60")),
        # Housekeeping jobs (staged upload leftovers, unsent uploads, the event log) run this often.
        "HOUSEKEEPING_SECONDS": float(os.environ.get("HOUSEKEEPING_SECONDS", "600")),
        # Requests to integrations (chat/core/outbound.py): private, loopback and link-local
        # addresses are refused unless in one of these comma-separated CIDRs (e.g. 10.1.0.0/16).
        "OUTBOUND_ALLOWED_NETWORKS": os.environ.get("OUTBOUND_ALLOWED_NETWORKS", ""),
        "OUTBOUND_CONNECT_TIMEOUT_SECONDS": float(os.environ.get("OUTBOUND_CONNECT_TIMEOUT_SECONDS", "3")),
        "OUTBOUND_TIMEOUT_SECONDS": float(os.environ.get("OUTBOUND_TIMEOUT_SECONDS", "3")),
        "OUTBOUND_MAX_RESPONSE_BYTES": int(os.environ.get("OUTBOUND_MAX_RESPONSE_BYTES", str(1024 * 1024))),
        # Requests in flight to integrations at once per process that runs jobs (each waits
        # on a green thread, not a job worker); past that, job workers wait for a slot.
        "OUTBOUND_CONCURRENCY": _at_least_one("OUTBOUND_CONCURRENCY", "50", "requests in flight per process"),
        # Images in bot messages, shown through /api/v1/images/... (services/integrations/images.py): the
        # largest fetched, the time allowed for a fetch, fetches in flight per process, and the
        # cache under UPLOAD_FOLDER/image-proxy (total bytes, and how long a copy is served).
        "IMAGE_PROXY_MAX_BYTES": int(os.environ.get("IMAGE_PROXY_MAX_BYTES", str(5 * 1024 * 1024))),
        "IMAGE_PROXY_TIMEOUT_SECONDS": float(os.environ.get("IMAGE_PROXY_TIMEOUT_SECONDS", "10")),
        "IMAGE_PROXY_CONCURRENCY": _at_least_one("IMAGE_PROXY_CONCURRENCY", "20", "image fetches in flight"),
        "IMAGE_PROXY_CACHE_BYTES": int(os.environ.get("IMAGE_PROXY_CACHE_BYTES", str(512 * 1024 * 1024))),
        "IMAGE_PROXY_CACHE_SECONDS": float(os.environ.get("IMAGE_PROXY_CACHE_SECONDS", str(24 * 3600))),
        # Private networks images may come from; unset: the same as OUTBOUND_ALLOWED_NETWORKS. Set
        # it empty when the networks allowed for integrations hold nothing bots may show.
        "IMAGE_PROXY_ALLOWED_NETWORKS": os.environ.get("IMAGE_PROXY_ALLOWED_NETWORKS"),
        # Deliveries to integrations (services/integrations/deliveries.py): seconds before each
        # retry after a failure (Slack's: at once, after 1 minute, after 5), then given up; the
        # log of finished deliveries is kept this long ("0": for ever).
        "DELIVERY_RETRY_SECONDS": os.environ.get("DELIVERY_RETRY_SECONDS", "0,60,300"),
        "DELIVERY_LOG_MAX_AGE_DAYS": float(os.environ.get("DELIVERY_LOG_MAX_AGE_DAYS", "30")),
        # Presence (services/presence.py): changes are pushed to workspaces of at most this many
        # active members (larger ones poll); processes record a heartbeat this often, and the
        # connections of one silent for the timeout stop counting.
        "PRESENCE_PUSH_LIMIT": int(os.environ.get("PRESENCE_PUSH_LIMIT", "100")),
        "PRESENCE_HEARTBEAT_SECONDS": float(os.environ.get("PRESENCE_HEARTBEAT_SECONDS", "15")),
        "PRESENCE_SERVER_TIMEOUT_SECONDS": float(os.environ.get("PRESENCE_SERVER_TIMEOUT_SECONDS", "45")),
    }
