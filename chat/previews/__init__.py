"""Preview making, kept apart from the server process: see worker.py."""
