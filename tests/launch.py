"""Serve app.py with test-only code registered: ``python tests/<x>_app.py`` runs exactly as
``python app.py`` does (same async mode, monkey-patched before anything else is imported), after
importing the module that registers the test's jobs or integration kinds."""
import importlib
import os
import runpy
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def serve(register: str) -> None:
    """Monkey-patch as app.py does, import ``register`` (a module name), then run app.py."""
    mode = os.environ.get("CHAT_ASYNC_MODE", "eventlet")
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")  # as app.py does
    if mode == "eventlet":
        import eventlet

        eventlet.monkey_patch()
    elif mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
    importlib.import_module(register)
    runpy.run_path(str(ROOT / "app.py"), run_name="__main__")
