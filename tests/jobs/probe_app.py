"""app.py with the probe jobs of tests/jobs/probes.py registered.

``python tests/jobs/probe_app.py`` serves exactly as ``python app.py`` does (same async mode,
monkey-patched first), and ``flask --app tests.jobs.probe_app ...`` runs the same commands plus
``probe ...``.
"""
import os
import runpy
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

if __name__ == "__main__":
    mode = os.environ.get("CHAT_ASYNC_MODE", "eventlet")
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")  # as app.py does
    if mode == "eventlet":
        import eventlet

        eventlet.monkey_patch()
    elif mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
    sys.path.insert(0, str(ROOT))
    import tests.jobs.probes  # noqa: F401  (register the probe jobs)

    runpy.run_path(str(ROOT / "app.py"), run_name="__main__")
else:
    from app import app
    from tests.jobs.probes import probe_cli

    app.cli.add_command(probe_cli)
