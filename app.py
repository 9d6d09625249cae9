"""Launcher: pick the async mode, monkey-patch first, then create the app and serve.

``python app.py`` serves on CHAT_HOST:CHAT_PORT (127.0.0.1:5000) under eventlet by default.
``flask --app app <command>`` imports this module for the administration commands.
Nothing outside this file knows which async framework runs.
"""
import os
import warnings

ASYNC_MODE = os.environ.get("CHAT_ASYNC_MODE", "eventlet")
# eventlet is in bug-fix-only maintenance and prints a banner on import; we know (docs/deployment.md).
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

if __name__ == "__main__":
    if ASYNC_MODE == "eventlet":
        import eventlet

        eventlet.monkey_patch()
    elif ASYNC_MODE == "gevent":
        from gevent import monkey

        monkey.patch_all()

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


def main() -> None:
    from chat.services import presence

    _use_os_threads_for_cpu_work()
    if app.config["AUTO_MIGRATE"]:
        upgrade_schema(app)
    with app.app_context():
        presence.forget_server(app.config["SERVER_ID"])
    host, port = app.config["CHAT_HOST"], app.config["CHAT_PORT"]
    print(f"chat server on http://{host}:{port} ({ASYNC_MODE})", flush=True)
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, log_output=False)


if __name__ == "__main__":
    main()
