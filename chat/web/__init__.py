"""HTML pages: sign in, sign up, the chat app shell and invite links."""
from __future__ import annotations

import os
from urllib.parse import urlparse

from flask import (Blueprint, abort, flash, redirect, render_template, request, send_from_directory,
                   url_for)
from flask_login import login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError

from chat.authn import session_actor
from chat.extensions import csrf
from chat.services import users, workspaces
from chat.core.errors import ChatError
from chat.services.payloads import me_payload

web = Blueprint("web", __name__)


@web.before_request
def _check_csrf() -> None:
    # Every form here (sign in, sign up, sign out, accept an invite) carries the CSRF token;
    # SameSite=Lax cookies already stop most cross-site posts, this stops the rest.
    if request.method == "POST":
        csrf.protect()


@web.errorhandler(CSRFError)
def _csrf_failed(err: CSRFError):  # type: ignore[no-untyped-def]
    flash("The form had expired. Please try again.")
    return redirect(request.full_path if request.method == "GET" else request.path), 303

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Front-end libraries come from the npm registry (package.json), never from the repository.
_VENDOR = {
    "socket.io.min.js": os.path.join(_ROOT, "node_modules", "socket.io-client", "dist"),
}


@web.after_request
def _security_headers(response):  # type: ignore[no-untyped-def]
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
    return response


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths: never redirect to another host after signing in.
    if target and target.startswith("/") and not target.startswith("//") and not urlparse(target).netloc:
        return target
    return url_for("web.index")


def _form_error(err: ChatError, status: int, page: str):  # type: ignore[no-untyped-def]
    """A form shown again with its error: ``status``, unless the server asks for a pause
    (429 rate_limited, 503 busy), which keeps its own status and Retry-After."""
    if err.retry_after is None:
        return page, status
    return page, err.status, {"Retry-After": str(err.retry_after)}


@web.get("/vendor/<path:name>")
def vendor(name: str):  # type: ignore[no-untyped-def]
    if name not in _VENDOR:
        abort(404)
    return send_from_directory(_VENDOR[name], name, max_age=3600)


@web.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    if request.method == "POST":
        try:
            user = users.authenticate(request.form.get("email", ""), request.form.get("password", ""),
                                      address=request.remote_addr or "")
        except ChatError as err:
            flash(err.message)
            return _form_error(err, 401, render_template("login.html", email=request.form.get("email", "")))
        login_user(user, remember=bool(request.form.get("remember")))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", email="")


@web.route("/signup", methods=["GET", "POST"])
def signup():  # type: ignore[no-untyped-def]
    if request.method == "POST":
        form = request.form
        try:
            user = users.sign_up(form.get("email", ""), form.get("password", ""), form.get("display_name", ""),
                                 form.get("username") or None, address=request.remote_addr or "")
        except ChatError as err:
            flash(err.message)
            return _form_error(err, 400, render_template("signup.html", form=form))
        login_user(user, remember=bool(form.get("remember")))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("signup.html", form={})


@web.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    logout_user()
    return redirect(url_for("web.login"))


@web.get("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    return render_template("app.html", me=me_payload(users.get_me(session_actor(request))))


@web.route("/invite/<code>", methods=["GET", "POST"])
@login_required
def invite(code: str):  # type: ignore[no-untyped-def]
    try:
        preview = workspaces.preview_invite(code)
        if request.method == "POST":
            joined = workspaces.accept_invite(session_actor(request), code)
            return redirect(url_for("web.index", workspace=joined.id))
    except ChatError as err:
        return render_template("invite.html", error=err.message, preview=None), err.status
    return render_template("invite.html", preview=preview, error=None)
