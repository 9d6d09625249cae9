"""Shared plumbing for the browser-client benchmarks (``first_load.py``, ``client_views.py``):
two checkouts of the repository (the client before and after a change), each served by its own
``python app.py``, seeded with the same people, channels and messages through the REST API, and
looked at by the same headless Chromium.

* ``--before``: a checkout of the old client. Default: a detached git worktree of ``BEFORE_COMMIT``
  at ``/tmp/chat-before-<commit>``, made on first use, with ``npm ci`` run in it (the old client's
  only npm package is socket.io-client, served from node_modules).
* ``--after``: default, the checkout this script sits in. If it has a Vite build (vite.config.ts)
  that is missing or older than its sources, ``npm run build`` runs first, as
  ``tests.support.ensure_client_built`` does for the tests (the old checkout has no build).

Each server runs from its own checkout with the environment ``tests.support.start_server`` sets
(own instance directory, 127.0.0.1, cheap Argon2, per-address limits lifted) plus
``RATE_LIMITS_ENABLED=0``, so seeding the same data into both takes the same requests.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (Debian's Chromium, never downloaded)
from tests.support import ONE_ADDRESS_FOR_EVERYONE, PASSWORD, free_port, stop_process  # noqa: E402

BEFORE_COMMIT = "40bc135"
VIEWER_EMAIL = "alice@example.test"


def checkout_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--before", type=Path, default=None,
                        help=f"checkout of the old client (default: a git worktree of {BEFORE_COMMIT} in /tmp)")
    parser.add_argument("--before-commit", default=BEFORE_COMMIT, help="commit for the default --before worktree")
    parser.add_argument("--after", type=Path, default=ROOT, help="checkout of the new client (default: this one)")


def describe(path: Path) -> dict[str, str]:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True).stdout.strip()

    dirty = git("status", "--porcelain", "--untracked-files=no")
    return {"path": str(path), "commit": git("rev-parse", "--short", "HEAD"),
            "subject": git("log", "-1", "--format=%s")[:100], "dirty": "yes" if dirty else "no"}


def prepare_before(path: Path | None, commit: str) -> Path:
    """The old client's checkout: ``path`` as given, or a worktree of ``commit`` made here."""
    if path is None:
        full = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", commit],
                              capture_output=True, text=True, check=True).stdout.strip()
        path = Path(f"/tmp/chat-before-{full}")
        if not (path / "app.py").exists():
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), full], check=True,
                           stdout=subprocess.DEVNULL)
    prepare_client(path)
    return path


def prepare_client(path: Path) -> None:
    """node_modules installed and, for a Vite client, a build no older than its sources."""
    if (path / "package-lock.json").exists() and not (path / "node_modules").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=path, check=True, stdout=subprocess.DEVNULL)
    if not (path / "vite.config.ts").exists():
        return
    manifest = path / "static" / "dist" / ".vite" / "manifest.json"
    built = manifest.stat().st_mtime if manifest.exists() else 0.0
    sources = [path / "static" / "src", path / "package.json", path / "vite.config.ts"]
    newest = max(p.stat().st_mtime for root in sources for p in ([root] if root.is_file() else root.rglob("*")))
    if newest > built:
        subprocess.run(["npm", "run", "--silent", "build"], cwd=path, check=True, stdout=subprocess.DEVNULL)


def client_files(path: Path) -> dict[str, int]:
    """Bytes on disk of what the client's page loads (for the report: what the download is made of)."""
    sizes: dict[str, int] = {}
    if (path / "vite.config.ts").exists():
        for f in sorted((path / "static" / "dist" / "assets").glob("*")):
            if not f.name.endswith(".map"):
                sizes[f"static/dist/assets/{f.name}"] = f.stat().st_size
    else:
        for f in sorted([*(path / "static").glob("*.js"), *(path / "static").glob("*.css"),
                         *(path / "static" / "js").rglob("*.js")]):
            sizes[str(f.relative_to(path))] = f.stat().st_size
        vendor = path / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
        if vendor.exists():
            sizes["/vendor/socket.io.min.js"] = vendor.stat().st_size
    return sizes


@dataclass
class CheckoutServer:
    label: str          # "before" or "after"
    root: Path
    url: str
    process: subprocess.Popen
    log_path: Path

    def stop(self) -> None:
        stop_process(self.process)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def start_checkout(label: str, root: Path, instance_dir: Path) -> CheckoutServer:
    """``python app.py`` of ``root`` with tests.support.start_server's environment."""
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CHAT_", "DATABASE_URL", "MESSAGE_QUEUE", "RATE_LIMIT", "PASSWORD_HASH"))}
    env.update({
        "CHAT_INSTANCE_DIR": str(instance_dir), "CHAT_PORT": str(port), "CHAT_HOST": "127.0.0.1",
        "CHAT_ASYNC_MODE": "eventlet", "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "1024",
        "CHAT_SERVER_ID": f"bench-{label}-{port}", "PYTHONUNBUFFERED": "1", "RATE_LIMITS_ENABLED": "0",
        **ONE_ADDRESS_FOR_EVERYONE,
    })
    instance_dir.mkdir(parents=True, exist_ok=True)
    log_path = instance_dir / f"server-{label}-{port}.log"
    process = subprocess.Popen([sys.executable, "app.py"], cwd=root, env=env,
                               stdout=log_path.open("w"), stderr=subprocess.STDOUT)
    server = CheckoutServer(label, root, f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{label} server exited:\n{server.log_tail()}")
        try:
            if requests.get(server.url + "/api/v1/openapi.json", timeout=2).ok:
                return server
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{label} server did not start:\n{server.log_tail()}")


# --- the same data in both ----------------------------------------------------------------------

class Api:
    """One person's REST calls against one server (a token; names and emails fixed, not random,
    so both servers show the same text)."""

    def __init__(self, url: str, token: str, user: dict[str, Any], email: str) -> None:
        self.url, self.token, self.user, self.email = url, token, user, email

    @property
    def id(self) -> int:
        return self.user["id"]

    def call(self, method: str, path: str, body: Any = None, files: Any = None) -> Any:
        response = requests.request(method, f"{self.url}/api/v1{path}", json=body, files=files, timeout=30,
                                    headers={"Authorization": f"Bearer {self.token}"})
        if response.status_code not in (200, 201):
            raise RuntimeError(f"{method} {path} -> {response.status_code}: {response.text[:300]}")
        return response.json()

    def post(self, path: str, body: Any = None) -> Any:
        return self.call("POST", path, body if body is not None else {})


def sign_up(url: str, display_name: str, username: str) -> Api:
    email = f"{username}@example.test"
    r = requests.post(f"{url}/api/v1/auth/signup", timeout=30, json={
        "email": email, "password": PASSWORD, "display_name": display_name, "username": username})
    if r.status_code != 201:
        raise RuntimeError(f"signup {username}: {r.status_code} {r.text[:300]}")
    r = requests.post(f"{url}/api/v1/auth/token", json={"email": email, "password": PASSWORD}, timeout=30)
    if r.status_code != 201:
        raise RuntimeError(f"token {username}: {r.status_code} {r.text[:300]}")
    return Api(url, r.json()["token"], r.json()["user"], email)


def join(owner: Api, workspace_id: int, person: Api, role: str = "member") -> None:
    code = owner.post(f"/workspaces/{workspace_id}/invites", {"role": role})["code"]
    person.post(f"/invites/{code}/accept")


def in_lockstep(servers: list[str], step: Any) -> list[Any]:
    """Run ``step(url)`` on each server in turn: seeding interleaved keeps the two servers'
    clocks (message times shown to the minute) and ids in step."""
    return [step(url) for url in servers]


# --- the browser --------------------------------------------------------------------------------

def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def signed_in_state(browser: Any, url: str, email: str = VIEWER_EMAIL, **context_args: Any) -> dict[str, Any]:
    """Sign in through the login page once; the cookies (and local storage) new contexts start from."""
    context = browser.new_context(**context_args)
    page = context.new_page()
    page.goto(f"{url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("body[data-ready='true']", state="attached", timeout=30_000)
    state = context.storage_state()
    context.close()
    return state


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def dump(obj: Any) -> str:
    return json.dumps(obj, indent=2, default=str)
