"""A Web API call's arguments, as Slack's clients send them: the query string, and a form
(urlencoded or multipart) or JSON body; the body wins. Values are read with the type each
method expects (Slack sends booleans as ``true``/``1``, numbers as strings in forms), and a
wrong type is ``invalid_arguments`` with a message saying which argument and why."""
from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from flask import request

from chat.core.errors import Invalid
from chat.core.validation import parse_json
from chat.services.integrations import slack_ids

# Slack answers invalid_arg_name for names that are no argument's.
_ARG_NAME = re.compile(r"[A-Za-z0-9_.\[\]-]{1,64}")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no", ""}
# The most a limit may ask for: Slack's own ceiling; pages are then cut to our page sizes.
LIMIT_CEILING = 1000


class SlackError(Exception):
    """A failure with Slack's error name (and, optionally, its explanation)."""

    def __init__(self, error: str, *, message: str | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = [f"[ERROR] {message}"] if message else None


def invalid(message: str) -> SlackError:
    return SlackError("invalid_arguments", message=message)


def read_args() -> Args:
    values: dict[str, Any] = dict(request.args.items())
    if request.method == "POST":
        raw = request.get_data(cache=True, parse_form_data=False)
        mimetype = request.mimetype
        if mimetype == "application/json":
            if raw.strip():
                try:
                    body = parse_json(raw)
                except Invalid as err:
                    raise SlackError("invalid_json", message=err.message) from None
                if not isinstance(body, dict):
                    raise SlackError("invalid_json", message="the body must be a JSON object")
                values.update(body)
        elif mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            values.update(request.form.items())
        elif raw.strip():
            raise SlackError("invalid_form_data", message="send a form (urlencoded or multipart) or JSON")
    for name in values:
        if not _ARG_NAME.fullmatch(name):
            raise SlackError("invalid_arg_name", message=f"not an argument name: {str(name)[:64]!r}")
    return Args(values)


class Args:
    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def text(self, name: str, *, required: bool = False, error: str | None = None) -> str | None:
        """A string argument; a number sent in JSON is taken as its digits."""
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise SlackError(error) if error else invalid(f"{name} is required")
            return None if value is None else ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise invalid(f"{name} must be a string")
        return value if isinstance(value, str) else str(value)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise invalid(f"{name} must be true or false")

    def count(self, name: str) -> int | None:
        """A whole number argument (digits in a form, a number in JSON); None when absent."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and re.fullmatch(r"[0-9]{1,18}", value.strip()):
            return int(value.strip())
        raise invalid(f"{name} must be a whole number")

    def limit(self, default: int, maximum: int) -> int:
        """``limit``: absent or 0 is ``default``; above ``maximum`` (and up to Slack's 1000) is
        cut to ``maximum`` (a page may hold fewer than asked, as Slack says); beyond that, or
        not a whole number, is an error."""
        value = self.values.get("limit")
        if value is None or value == "":
            return default
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and re.fullmatch(r"[0-9]{1,12}", value.strip()):
            number = int(value.strip())
        if number is None or number > LIMIT_CEILING:
            raise SlackError("invalid_limit", message=f"limit must be a whole number from 1 to {LIMIT_CEILING}")
        return default if number == 0 else min(number, maximum)

    def words(self, name: str) -> list[str]:
        """A list argument: comma-separated in a form, a string or an array in JSON."""
        value = self.values.get(name)
        if value is None:
            return []
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            items = value
        elif isinstance(value, str):
            items = value.split(",")
        else:
            raise invalid(f"{name} must be a comma-separated list")
        return [item.strip() for item in items if item.strip()]

    def conversation(self, name: str = "channel") -> int:
        """A conversation id (C…, D…, G…) as our channel id; channel_not_found for anything
        else, missing or malformed, as Slack answers."""
        value = self.values.get(name)
        parsed = slack_ids.parse(value, *slack_ids.CONVERSATION_KINDS)
        if parsed is None:
            raise SlackError("channel_not_found")
        return parsed[1]

    def user(self, name: str = "user", error: str = "user_not_found") -> int:
        found = slack_ids.parse_id(self.values.get(name), slack_ids.SlackIdKind.user)
        if found is None:
            raise SlackError(error)
        return found

    def cursor(self, kind: str) -> int | None:
        """A ``cursor`` from an earlier page of the same method: its id, or None to start."""
        value = self.values.get("cursor")
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                text = base64.urlsafe_b64decode(value.encode()).decode()
            except (binascii.Error, UnicodeError, ValueError):
                text = ""
            prefix, _, number = text.partition(":")
            if prefix == kind and re.fullmatch(r"[1-9][0-9]{0,18}", number) and int(number) < 2**63:
                return int(number)
        raise SlackError("invalid_cursor")


def next_cursor(kind: str, last_id: int | None) -> str:
    """The opaque cursor of the page after the one ending at ``last_id`` ("" when none)."""
    return base64.urlsafe_b64encode(f"{kind}:{last_id}".encode()).decode() if last_id else ""


def metadata(cursor: str) -> dict[str, Any]:
    return {"response_metadata": {"next_cursor": cursor}}
