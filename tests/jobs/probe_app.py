"""app.py with the probe jobs of tests/jobs/probes.py registered.

``python tests/jobs/probe_app.py`` serves exactly as ``python app.py`` does (same async mode,
monkey-patched first), and ``flask --app tests.jobs.probe_app ...`` runs the same commands plus
``probe ...``.
"""
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.launch import serve

    serve("tests.jobs.probes")
else:
    from app import app
    from tests.jobs.probes import probe_cli

    app.cli.add_command(probe_cli)
