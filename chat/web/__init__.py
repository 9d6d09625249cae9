"""HTML pages: sign in, sign up, the chat app shell, a workspace's Integrations page and invite links."""
from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError

from chat.authn import session_actor
from chat.core import limits
from chat.core.actor import Actor
from chat.core.errors import ChatError
from chat.extensions import csrf
from chat.services import accounts, workspaces
from chat.services.payloads import me_payload, workspace_payload

web = Blueprint("web", __name__)


@web.before_request
def _check_csrf() -> None:
    # Every form here (sign in, sign up, sign out, accept an invite) carries the CSRF token;
    # SameSite=Lax cookies already stop most cross-site posts, this stops the rest.
    if request.method == "POST":
        csrf.protect()


@web.errorhandler(CSRFError)
def _csrf_failed(err: CSRFError) -> ResponseReturnValue:
    flash("The form had expired. Please try again.")
    return redirect(request.full_path if request.method == "GET" else request.path), 303

@web.after_request
def _security_headers(response: Response) -> Response:
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


def _signed_in() -> Actor:
    """The person signed in: the pages that ask are @login_required."""
    actor = session_actor(request)
    if actor is None:
        abort(401)
    return actor


def _form_error(err: ChatError, status: int, page: str) -> ResponseReturnValue:
    """A form shown again with its error: ``status``, unless the server asks for a pause
    (429 rate_limited, 503 busy), which keeps its own status and Retry-After."""
    if err.retry_after is None:
        return page, status
    return page, err.status, {"Retry-After": str(err.retry_after)}


@web.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if request.method == "POST":
        try:
            user = accounts.authenticate(request.form.get("email", ""), request.form.get("password", ""),
                                      address=request.remote_addr or "")
        except ChatError as err:
            flash(err.message)
            return _form_error(err, 401, render_template("login.html", email=request.form.get("email", "")))
        login_user(user, remember=bool(request.form.get("remember")))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", email="")


@web.route("/signup", methods=["GET", "POST"])
def signup() -> ResponseReturnValue:
    if request.method == "POST":
        form = request.form
        try:
            user = accounts.sign_up(form.get("email", ""), form.get("password", ""), form.get("display_name", ""),
                                 form.get("username") or None, address=request.remote_addr or "")
        except ChatError as err:
            flash(err.message)
            return _form_error(err, 400, render_template("signup.html", form=form))
        login_user(user, remember=bool(form.get("remember")))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("signup.html", form={})


@web.post("/logout")
def logout() -> ResponseReturnValue:
    logout_user()
    return redirect(url_for("web.login"))


@web.get("/")
@login_required
def index() -> ResponseReturnValue:
    return render_template("app.html", me=me_payload(accounts.get_me(_signed_in())))


@web.get("/w/<int:workspace_id>/integrations")
@login_required
def integrations(workspace_id: int) -> ResponseReturnValue:
    """A workspace's Integrations page (static/src/integrations), for those who may make
    incoming webhooks there; 403 for its other members, 404 for everyone else."""
    actor = _signed_in()
    if workspace_id > limits.MAX_ID:
        abort(404)  # names nothing (and would overflow the driver)
    try:
        view = workspaces.integrations_workspace(actor, workspace_id)
    except ChatError as err:
        abort(err.status, description=err.message)
    return render_template("integrations.html", me=me_payload(accounts.get_me(actor)),
                           workspace=workspace_payload(view.workspace, view.membership))


@web.route("/invite/<code>", methods=["GET", "POST"])
@login_required
def invite(code: str) -> ResponseReturnValue:
    try:
        preview = workspaces.preview_invite(code)
        if request.method == "POST":
            joined = workspaces.accept_invite(_signed_in(), code)
            return redirect(url_for("web.index", workspace=joined.id))
    except ChatError as err:
        return render_template("invite.html", error=err.message, preview=None), err.status
    return render_template("invite.html", preview=preview, error=None)
