"""The OpenAPI 3.1 description of this API, served at /api/v1/openapi.json.

Plain data built by small helpers, kept next to the routes it describes. Shapes follow
``chat.services.payloads`` (the one wire format) and limits follow the ``check_*`` functions;
tests/test_openapi.py checks the paths against the app's url_map and real responses against
the schemas, so a change to a route or a payload fails a test until this file follows.
"""
from __future__ import annotations

from functools import cache
from typing import Any

from flask import jsonify

from chat.api import api
from chat.core.validation import EMAIL_PATTERN, EMOJI_PATTERN, USERNAME_INPUT_PATTERN, text_pattern

Schema = dict[str, Any]

PREFIX = "/api/v1"

# --- schema helpers -----------------------------------------------------------------------------


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, Schema], *, required: tuple[str, ...] | list[str] | None = None,
        closed: bool = True, description: str | None = None) -> Schema:
    """An object; every property is required unless ``required`` names a subset. Closed
    objects list every field the server sends (responses); request bodies stay open unless
    the server rejects unknown fields."""
    schema: Schema = {"type": "object", "properties": properties,
                      "required": list(properties if required is None else required)}
    if closed:
        schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return schema


def array(items: Schema, **extra: Any) -> Schema:
    return {"type": "array", "items": items, **extra}


def nullable(schema: Schema) -> Schema:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def text(min_length: int, max_length: int, description: str | None = None, *, multiline: bool = False,
         **extra: Any) -> Schema:
    """Text as check_text takes it: no control characters (tab, newline and carriage return
    only when multi-line), and not only whitespace unless it may be empty."""
    schema: Schema = {"type": "string", "minLength": min_length, "maxLength": max_length,
                      "pattern": text_pattern(allow_empty=min_length == 0, multiline=multiline), **extra}
    if description:
        schema["description"] = description
    return schema


def line(min_length: int, max_length: int, description: str | None = None) -> Schema:
    """Single-line text as validation.check_text accepts it (docs/api.md, "Text")."""
    rule = ("One line: control characters and invisible or text-direction characters (Unicode format "
            "characters such as U+202E or U+200B, U+2028/U+2029) are refused, except joiners between "
            "visible characters and flag tags.")
    return text(min_length, max_length, f"{description}. {rule}" if description else rule)


def boolean(description: str | None = None, **extra: Any) -> Schema:
    return {"type": "boolean", **({"description": description} if description else {}), **extra}


ID: Schema = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
COUNT: Schema = {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}
ROLE: Schema = {"type": "string", "enum": ["owner", "admin", "member", "guest"]}
# payloads.iso(): naive UTC datetimes, always with milliseconds and a Z.
TIMESTAMP: Schema = {"type": "string", "format": "date-time",
                     "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$",
                     "examples": ["2025-01-31T09:15:02.123Z"]}
MESSAGE_BODY = text(1, 8000, "Markdown source. Tab, newline and carriage return are the only control "
                    "characters allowed; surrounding whitespace is stripped and the text is NFC-normalised "
                    "before the length is checked.", multiline=True)
CLIENT_MSG_ID: Schema = {"type": "string", "pattern": r"^[A-Za-z0-9_.:-]{1,64}$",
                         "description": "Your own id for this send (for example a UUID). Unique per "
                                        "person: a retry with the same value returns the stored original."}


def id_of(what: str) -> Schema:
    return {**ID, "description": f"id of the {what}"}


# --- parameter, body and response helpers ------------------------------------------------------

PATH_PARAMS: dict[str, Schema] = {
    "workspace_id": id_of("workspace"),
    "channel_id": id_of("channel or conversation"),
    "message_id": id_of("message"),
    "user_id": id_of("person"),
    "token_id": id_of("API token"),
    "invite_id": id_of("invite"),
    "code": text(1, 64, "the invite code from the invite link"),
    "file_id": {"type": "string", "pattern": r"^[A-Za-z0-9_-]{1,32}$",
                "description": "a file's id (unguessable; from its `id` field)"},
    "emoji": {**line(1, 40, "the reaction: an emoji character or a short name such as `thumbsup` "
                            "(URL-encode it)"), "pattern": EMOJI_PATTERN},
}


def path_param(name: str) -> Schema:
    schema = dict(PATH_PARAMS[name])
    description = schema.pop("description")
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema}


def query_param(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def limit_param(default: int, maximum: int) -> Schema:
    return query_param("limit", {"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
                       f"page size, 1 to {maximum} (default {default})")


def json_body(properties: dict[str, Schema], *, required: tuple[str, ...] = (), closed: bool = False,
              min_properties: int | None = None, one_of_required: list[tuple[str, ...]] | None = None,
              description: str | None = None) -> Schema:
    """A JSON request body; ``one_of_required``: at least one of these sets of fields is present."""
    schema = obj(properties, required=required, closed=closed)
    if min_properties:
        schema["minProperties"] = min_properties
    if one_of_required:
        schema["anyOf"] = [{"required": list(fields)} for fields in one_of_required]
    body: Schema = {"required": bool(required or min_properties or one_of_required),
                    "content": {"application/json": {"schema": schema}}}
    if description:
        body["description"] = description
    return body


def json_response(description: str, schema: Schema) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR_TITLES = {400: "Invalid request", 401: "Not signed in", 403: "Not allowed",
                404: "Not found (or not visible to you)", 409: "Conflict with the current state",
                410: "Gone: no longer available",
                413: "Too large (request bodies: 2 MiB, except file uploads)",
                429: "Too many requests: a rate limit of yours, your account's or your address's "
                     "(docs/api.md); wait `Retry-After` seconds",
                503: "Busy: too many password checks waiting; retry after `Retry-After` seconds"}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before retrying (also `retry_after` in the body)",
                               "schema": {"type": "integer", "minimum": 1}}}


def error_response(status: int, codes: list[str]) -> Schema:
    listed = ", ".join(f"`{c}`" for c in codes)
    response = json_response(f"{ERROR_TITLES[status]}. Error codes: {listed}.", ref("Error"))
    response["x-error-codes"] = codes  # the same list, for tools and tests
    if status in (429, 503):
        response["headers"] = RETRY_AFTER
    return response


READ = [{"bearerAuth": []}, {"cookieAuth": []}]
# Cookie-authenticated writes must also carry the CSRF token header.
WRITE = [{"bearerAuth": []}, {"cookieAuth": [], "csrfToken": []}]
PUBLIC: list = []


def op(endpoint: str, method: str, summary: str, *, tag: str, ok: Schema, status: int = 200,
       ok_description: str = "OK", description: str | None = None, params: list[Schema] | None = None,
       body: Schema | None = None, errors: dict[int, list[str]] | None = None, public: bool = False,
       extra_responses: dict[str, Schema] | None = None) -> Schema:
    """One operation. Errors every door can produce are added here: 401 unless public,
    ``invalid_json``/``too_large`` when there is a body, ``csrf_failed`` for cookie writes,
    ``rate_limited`` everywhere (every request counts against the general limit)."""
    write = method not in ("get", "head")
    codes: dict[int, list[str]] = {}

    def add(status_code: int, *names: str) -> None:
        bucket = codes.setdefault(status_code, [])
        bucket.extend(n for n in names if n not in bucket)

    if body is not None:
        add(400, "invalid", "invalid_json")
        add(413, "too_large")
    if any(p.get("in") == "query" for p in params or ()):
        add(400, "invalid")  # a query value the schema does not allow
    for status_code, names in (errors or {}).items():
        add(status_code, *names)
    if write and not public:
        add(400, "csrf_failed")
    if not public:
        add(401, "unauthorized")
    add(429, "rate_limited")
    responses: dict[str, Schema] = {str(status): json_response(ok_description, ok)}
    responses.update(extra_responses or {})
    for code_status in sorted(codes):
        responses[str(code_status)] = error_response(code_status, codes[code_status])
    operation: Schema = {"operationId": endpoint, "summary": summary, "tags": [tag]}
    if description:
        operation["description"] = description
    if params:
        operation["parameters"] = params
    if body is not None:
        operation["requestBody"] = body
    operation["responses"] = responses
    operation["security"] = PUBLIC if public else (WRITE if write else READ)
    return {method: operation}


def paths(*entries: tuple[str, Schema]) -> dict[str, Schema]:
    """Merge (path, {method: operation}) pairs; the path is relative to /api/v1. Parameters
    named in the path template are declared once per path."""
    out: dict[str, Schema] = {}
    for path, operations in entries:
        item = out.setdefault(PREFIX + path, {})
        names = [seg[1:-1] for seg in path.split("/") if seg.startswith("{")]
        if names and "parameters" not in item:
            item["parameters"] = [path_param(n) for n in names]
        item.update(operations)
    return out


def wrapped(key: str, schema: Schema) -> Schema:
    return obj({key: schema})


# --- component schemas (the shapes of chat.services.payloads) ----------------------------------

USER_FIELDS: dict[str, Schema] = {
    "id": ID,
    "username": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_.-]{1,31}$",
                 "description": "the @mention handle"},
    "display_name": text(1, 80),
}

TOKEN_FIELDS: dict[str, Schema] = {
    "id": ID, "name": text(1, 80),
    "prefix": {"type": "string", "minLength": 12, "maxLength": 12,
               "description": "the first 12 characters of the secret, to recognise it"},
    "created_at": TIMESTAMP,
    "last_used_at": nullable({**TIMESTAMP, "description": "updated at most every 5 minutes"}),
    "revoked": boolean(),
}

SCHEMAS: dict[str, Schema] = {
    "Error": obj({
        "error": obj({
            "code": {"type": "string", "description": "stable machine-readable code; see docs/api.md"},
            "message": {"type": "string", "description": "human-readable explanation"},
            "field": {"type": "string", "description": "the request field at fault, when there is one"},
            "retry_after": {"type": "integer", "minimum": 1,
                            "description": "`rate_limited` and `busy` only: seconds to wait before retrying"},
        }, required=("code", "message")),
    }, description="Every error, in HTTP responses and socket acks alike."),
    "User": obj(USER_FIELDS, description="Another person, as shown next to their messages."),
    "Me": obj({**USER_FIELDS, "email": {"type": "string", "maxLength": 254},
               "created_at": TIMESTAMP}, description="The signed-in person."),
    "Member": obj({
        **USER_FIELDS, "role": ROLE,
        "active": boolean("false once an admin deactivated the person in this workspace"),
        "joined_at": TIMESTAMP,
        "can_post": boolean("channel member lists only: may post in a broadcast channel"),
    }, required=(*USER_FIELDS, "role", "active", "joined_at"),
        description="A person in a workspace (and, in channel member lists, in a channel)."),
    "Workspace": obj({
        "id": ID, "name": text(1, 80), "created_at": TIMESTAMP,
        "role": {**ROLE, "description": "your role; absent in PATCH responses and workspace.joined events"},
        "unread_count": {**COUNT, "description": "GET /workspaces only: unread top-level messages from others "
                                                  "(each channel counted up to 1,000)"},
        "mention_count": {**COUNT, "description": "GET /workspaces only: unread mentions plus unread "
                                                  "direct messages"},
        "max_file_size": {"type": "integer", "minimum": 1, "description": "largest file a member may share, "
                                                                         "in bytes"},
    }, required=("id", "name", "created_at", "max_file_size")),
    "Channel": obj({
        "id": ID, "workspace_id": ID,
        "kind": {"type": "string", "enum": ["public", "private", "dm", "group"],
                 "description": "`dm` is two people (or a note to yourself), `group` up to 9 people"},
        "name": nullable({"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]{0,79}$",
                          "description": "null for dm and group conversations"}),
        "topic": text(0, 250), "purpose": text(0, 250),
        "broadcast": boolean("only admins and members with can_post may post"),
        "is_default": boolean("the workspace's #general: everyone is in it and stays in it"),
        "archived": boolean("archived channels are read-only"),
        "created_by": nullable(ID), "created_at": TIMESTAMP,
        "last_message_id": nullable({**ID, "description": "newest message, null before the first"}),
        "joined": boolean("whether you are a member (absent in PATCH responses and events)"),
        "last_read_id": {**COUNT, "description": "members only: your read position (a message id, 0 = none)"},
        "can_post": boolean("members only: you were named a poster of this broadcast channel"),
        "unread_count": {**COUNT, "description": "your channel list only: unread top-level messages from others, "
                                                  "up to 1,000 (1,000 means 1,000 or more)"},
        "mention_count": {**COUNT, "description": "your channel list only"},
        "members": array(ref("User"), description="your channel list only, dm and group conversations: "
                                                  "the participants"),
        "member_count": {**COUNT, "description": "channel browser only"},
    }, required=("id", "workspace_id", "kind", "name", "topic", "purpose", "broadcast", "is_default",
                 "archived", "created_by", "created_at", "last_message_id")),
    "Reaction": obj({"emoji": text(1, 40), "count": {"type": "integer", "minimum": 1},
                     "user_ids": array(ID, minItems=1)}),
    "Message": obj({
        "id": ID, "workspace_id": ID, "channel_id": ID, "author": ref("User"),
        "client_msg_id": nullable(CLIENT_MSG_ID),
        "thread_root_id": nullable({**ID, "description": "the thread's first message, null at top level"}),
        "body": {"type": "string", "maxLength": 8000, "description": "Markdown source; empty once deleted"},
        "html": {"type": "string", "description": "server-rendered safe HTML; text-direction controls (U+202A-202E, U+2066-2069) show as `<U+202E>`; empty once deleted"},
        "mentions_channel": boolean("the message uses @channel, @here or @everyone"),
        "reply_count": COUNT, "last_reply_at": nullable(TIMESTAMP),
        "reactions": array(ref("Reaction"), description="in order of first use"),
        "files": array(ref("File"), description="files shared with the message, in the order sent; "
                                                "empty once deleted"),
        "pinned": boolean(), "created_at": TIMESTAMP, "edited_at": nullable(TIMESTAMP),
        "deleted": boolean("deleted messages stay in history only while a thread hangs on them"),
    }),
    "File": obj({
        "id": PATH_PARAMS["file_id"], "workspace_id": ID, "channel_id": ID,
        "message_id": nullable({**ID, "description": "null until sent in a message; until then only "
                                                     "the uploader can see the file"}),
        "uploader": ref("User"), "name": text(1, 255, "the name given at upload, without folders and without invisible or text-direction characters"),
        "size": {"type": "integer", "minimum": 1, "description": "bytes"},
        "content_type": {"type": "string", "description": "decided from the content, never the name"},
        "kind": {"type": "string", "enum": ["pdf", "image", "other"]},
        "created_at": TIMESTAMP,
        "preview": obj({
            "state": {"type": "string", "enum": ["pending", "ready", "none", "failed"],
                      "description": "`pending` turns into `ready` or `failed` shortly after upload, "
                                     "announced by `message.updated`; `none`: no preview for this kind"},
            "page_count": nullable({"type": "integer", "minimum": 1, "description": "PDFs"}),
            "width": nullable({"type": "integer", "description": "pixels (images) or points (PDF page)"}),
            "height": nullable({"type": "integer"}),
            "thumbnail_url": nullable({"type": "string", "description": "a WebP image, at most 480 px"}),
        }),
        "url": {"type": "string", "description": "the bytes; images and PDFs open in the browser"},
        "download_url": {"type": "string", "description": "the bytes as a download"},
        "position": {**ID, "description": "file lists only: pass as `before` for the next page"},
    }, required=("id", "workspace_id", "channel_id", "message_id", "uploader", "name", "size", "content_type",
                 "kind", "created_at", "preview", "url", "download_url")),
    "FilePage": obj({"files": array(ref("File"), description="newest first"),
                     "has_more": boolean("older files exist: ask again with before=<last position>")}),
    "FileSearchResults": obj({"results": array(obj({
        "file": ref("File"), "message": ref("Message"),
        "snippet": nullable({"type": "string", "description": "text around the match inside a PDF"}),
    }), description="newest first")}),
    "FileDeleted": obj({"id": PATH_PARAMS["file_id"], "deleted": {"const": True},
                        "message_deleted": boolean("the message was only this file, so it went too")}),
    "StorageUsage": obj({"workspace_id": ID, "used_bytes": COUNT, "file_count": COUNT,
                         "max_file_size": {"type": "integer", "minimum": 1},
                         "max_file_size_ceiling": {"type": "integer", "minimum": 1,
                                                   "description": "the most an admin may allow (server setting)"}}),
    "DeletedMessage": obj({"id": ID, "channel_id": ID, "thread_root_id": nullable(ID)},
                          description="What is left to say about a deleted message."),
    "RedactedMessage": obj({"id": ID, "channel_id": ID, "thread_root_id": nullable(ID), "redacted": {"const": True}},
                           description="What an outdated message event keeps once the message has changed "
                                       "again or been deleted: which message it was about, not its content. "
                                       "A later event of the log carries the message as it is now."),
    "Token": obj(TOKEN_FIELDS, description="A personal API token. The secret itself is only shown once, "
                                           "at creation."),
    "NewToken": obj({
        "token": {"type": "string", "pattern": r"^chat_[A-Za-z0-9_-]{43}$",
                  "description": "the secret: send it as `Authorization: Bearer <token>`. Shown only now."},
        **TOKEN_FIELDS,
        "user": ref("Me"),
    }, required=("token", *TOKEN_FIELDS),
        description="A token just created: the Token fields plus its secret (and, from "
                    "POST /auth/token, the person it belongs to)."),
    "Invite": obj({
        "id": ID, "workspace_id": ID,
        "code": {"type": "string", "pattern": r"^[A-Za-z0-9_-]{32}$",
                 "description": "share it as a link; accept it with POST /invites/{code}/accept"},
        "role": {"type": "string", "enum": ["admin", "member", "guest"]},
        "created_at": TIMESTAMP, "expires_at": TIMESTAMP, "revoked": boolean(), "uses": COUNT,
    }),
    "InvitePreview": obj({
        "workspace": obj({"id": ID, "name": text(1, 80)}),
        "role": {"type": "string", "enum": ["admin", "member", "guest"]},
        # services.workspaces.preview_invite formats this itself: microseconds, not milliseconds.
        "expires_at": {"type": "string", "format": "date-time",
                       "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$"},
    }, description="What an invite link leads to, shown before accepting (no sign-in needed)."),
    "HistoryPage": obj({
        "messages": array(ref("Message"), description="oldest first"),
        "has_more": boolean("more messages exist beyond this page in the direction asked "
                            "(older without `after`, newer with it)"),
    }),
    "ThreadPage": obj({
        "root": ref("Message"),
        "messages": array(ref("Message"), description="replies, oldest first"),
        "has_more": boolean("more replies exist after this page"),
    }),
    "EventEnvelope": {
        **obj({
            "id": {**ID, "description": "position in the event log; ids grow in commit order"},
            "prev_id": {**COUNT, "description": "the id of the previous event of the same audience (the "
                                                "channel, or you when `channel_id` is null); 0 when none is "
                                                "left in the log. An event whose `prev_id` you have not "
                                                "applied means one is missing: sync (docs/realtime.md)"},
            "type": {"type": "string", "enum": ["message.created", "message.updated", "message.deleted",
                                                "channel.updated", "channel.member_added",
                                                "channel.member_removed", "workspace.joined"]},
            "workspace_id": ID,
            "channel_id": nullable({**ID, "description": "null for events addressed to one person"}),
            "data": {"type": "object"},
        }),
        "description": "A durable event, the same over Socket.IO and GET /events. `data` depends on `type`.",
        "oneOf": [
            {"properties": {"type": {"const": "message.created"},
                            "data": {"oneOf": [ref("Message"), ref("RedactedMessage")]}}},
            {"properties": {"type": {"const": "message.updated"},
                            "data": {"oneOf": [ref("Message"), ref("RedactedMessage")]}}},
            {"properties": {"type": {"const": "message.deleted"}, "data": ref("DeletedMessage")}},
            {"properties": {"type": {"const": "channel.updated"}, "data": ref("Channel")}},
            {"properties": {"type": {"const": "channel.member_added"},
                            "data": obj({"channel": ref("Channel"), "user_id": ID})}},
            {"properties": {"type": {"const": "channel.member_removed"},
                            "data": obj({"channel_id": ID, "user_id": ID})}},
            {"properties": {"type": {"const": "workspace.joined"}, "data": ref("Workspace")}},
        ],
    },
    "EventPage": obj({
        "events": array(ref("EventEnvelope"), description="in id order"),
        "has_more": boolean("call again with `since=cursor` for the rest"),
        "cursor": {**COUNT, "description": "resume after this id next time"},
    }),
    "ReadPosition": obj({"channel_id": ID, "last_read_id": COUNT}),
    "ChannelMembership": obj({"channel_id": ID, "user_id": ID, "can_post": boolean()}),
    "Ok": obj({"ok": {"const": True}}),
}

# --- security -----------------------------------------------------------------------------------

SECURITY_SCHEMES: dict[str, Schema] = {
    "bearerAuth": {
        "type": "http", "scheme": "bearer", "bearerFormat": "chat_<43 characters>",
        "description": "A personal API token: `Authorization: Bearer chat_...`. Get one from "
                       "POST /api/v1/auth/token (email and password) or POST /api/v1/tokens. "
                       "A request that carries an Authorization header is judged by it alone, "
                       "and token requests need no CSRF token.",
    },
    "cookieAuth": {
        "type": "apiKey", "in": "cookie", "name": "session",
        "description": "The browser session set by signing in on the /login page (Flask-Login; "
                       "`remember_token` keeps it across browser restarts). Writes also need csrfToken.",
    },
    "csrfToken": {
        "type": "apiKey", "in": "header", "name": "X-CSRFToken",
        "description": "With cookieAuth, every POST, PUT, PATCH and DELETE must send the CSRF token "
                       "from the page's `<meta name=\"csrf-token\">` (X-CSRF-Token is accepted too). "
                       "Missing or wrong: 400 `csrf_failed`.",
    },
}

# --- paths --------------------------------------------------------------------------------------

WS = "/workspaces/{workspace_id}"
CH = "/channels/{channel_id}"
MSG = "/messages/{message_id}"

ACCOUNTS = "accounts"
WORKSPACES = "workspaces"
CHANNELS = "channels"
MESSAGES = "messages"
FILES = "files"
EVENTS = "events"
META = "meta"

TOKEN_NAME = line(1, 80, "a label to recognise the token by")

FILE_FILTERS = [
    query_param("kind", {"type": "string", "enum": ["pdf", "image", "other"]}, "only files of this kind"),
    query_param("user_id", ID, "only files shared by this person"),
    query_param("before", ID, "a `position` from the previous page: the files older than it"),
    limit_param(50, 200),
]


def upload_operation() -> Schema:
    """Multipart upload: op() describes JSON bodies, so the body is set here."""
    operation = op(
        "upload_files", "post", "Upload files to send in a conversation", tag=FILES, status=201,
        ok=wrapped("files", array(ref("File"))), ok_description="Kept; send them with POST "
        "/channels/{channel_id}/messages and `file_ids`",
        description="One request may carry up to 10 files in `file` parts. Each must be within the "
                    "workspace's `max_file_size`; if any file is refused, none is kept. The type is "
                    "decided from the content. Previews (PDF first page, images) follow in the background.",
        errors={400: ["invalid", "no_files", "too_many_files", "invalid_file_name", "empty_file"],
                403: ["channel_archived", "not_in_channel", "broadcast_only"], 404: ["not_found"],
                413: ["too_large", "file_too_large"]})
    operation["post"]["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": obj(
        {"file": array({"type": "string", "format": "binary"}, minItems=1, maxItems=10)}, closed=False),
        "encoding": {"file": {"contentType": "application/octet-stream"}}}}}
    return operation


def bytes_operation(endpoint: str, summary: str, description: str, *, not_found: list[str],
                    params: list[Schema] | None = None) -> Schema:
    operation = op(endpoint, "get", summary, tag=FILES, ok={"type": "string", "format": "binary"},
                   description=description, params=params, errors={404: not_found})
    responses = operation["get"]["responses"]
    binary = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
    responses["200"] = {"description": "The bytes", "content": binary}
    responses["206"] = {"description": "The part asked for with a Range header", "content": binary}
    responses["304"] = {"description": "Not modified (If-None-Match matched the ETag)"}
    return operation


PATHS = paths(
    # accounts and tokens
    ("/auth/signup", op(
        "signup", "post", "Create an account", tag=ACCOUNTS, public=True, status=201,
        ok=wrapped("user", ref("Me")), ok_description="Created. Sign in with POST /auth/token.",
        body=json_body({
            "email": {"type": "string", "maxLength": 254, "format": "email", "pattern": EMAIL_PATTERN,
                      "description": "stored lower-case; must be unused"},
            "password": text(8, 256),
            "display_name": line(1, 80),
            "username": nullable({"type": "string", "minLength": 2, "maxLength": 32,
                                  "pattern": USERNAME_INPUT_PATTERN,
                                  "description": "the @handle: 2-32 letters, digits or _.- starting with a "
                                                 "letter or digit, stored lower-case. Derived from the email "
                                                 "when omitted."}),
        }, required=("email", "password", "display_name")),
        errors={400: ["invalid"], 409: ["email_taken", "username_taken", "conflict"], 503: ["busy"]})),
    ("/auth/token", op(
        "create_token_with_password", "post", "Exchange email and password for an API token",
        tag=ACCOUNTS, public=True, status=201, ok=ref("NewToken"), ok_description="Created",
        body=json_body({"email": {"type": "string"}, "password": {"type": "string"},
                        "name": {**TOKEN_NAME, "default": "API token"}}, required=("email", "password")),
        errors={401: ["bad_credentials"], 409: ["too_many_tokens"], 503: ["busy"]})),
    ("/me", op("get_me", "get", "Your account", tag=ACCOUNTS, ok=ref("Me"))),
    ("/me", op("update_me", "patch", "Change your display name", tag=ACCOUNTS, ok=ref("Me"),
               body=json_body({"display_name": nullable(line(1, 80, "omitted or null: unchanged"))}))),
    ("/me/password", op(
        "change_password", "post", "Change your password", tag=ACCOUNTS, ok=ref("Me"),
        description="Signs out every other browser session at once; the session making the request "
                    "stays signed in. API tokens stay valid: revoke them with DELETE /tokens/{token_id}.",
        body=json_body({"current_password": {"type": "string"}, "new_password": text(8, 256)},
                       required=("current_password", "new_password")),
        errors={403: ["wrong_password"], 503: ["busy"]})),
    ("/tokens", op("list_tokens", "get", "Your API tokens, newest first (revoked ones included)",
                   tag=ACCOUNTS, ok=wrapped("tokens", array(ref("Token"))))),
    ("/tokens", op("create_token", "post", "Create an API token", tag=ACCOUNTS, status=201,
                   ok=ref("NewToken"), ok_description="Created",
                   description="At most 100 active tokens per person.",
                   body=json_body({"name": TOKEN_NAME}, required=("name",)),
                   errors={409: ["too_many_tokens"]})),
    ("/tokens/{token_id}", op("revoke_token", "delete", "Revoke an API token (repeating is harmless)",
                              tag=ACCOUNTS, ok=ref("Token"), errors={404: ["not_found"]})),

    # workspaces, members, presence, invites
    ("/workspaces", op("list_workspaces", "get", "Your workspaces with unread and mention badges",
                       tag=WORKSPACES, ok=wrapped("workspaces", array(ref("Workspace"))))),
    ("/workspaces", op("create_workspace", "post", "Create a workspace (you become its owner)",
                       tag=WORKSPACES, status=201, ok=ref("Workspace"), ok_description="Created, with #general",
                       body=json_body({"name": line(1, 80)}, required=("name",)))),
    (WS, op("get_workspace", "get", "One of your workspaces", tag=WORKSPACES, ok=ref("Workspace"),
            errors={404: ["not_found"]})),
    (WS, op("update_workspace", "patch", "Rename a workspace or set its file size limit (admins)",
            tag=WORKSPACES, ok=ref("Workspace"), ok_description="OK (without `role`)",
            body=json_body({"name": line(1, 80),
                            "max_file_size": nullable({"type": "integer", "minimum": 1, "description":
                                                       "bytes, up to the server's FILE_MAX_BYTES; null "
                                                       "restores that default"})},
                           closed=True, min_properties=1),
            errors={403: ["admin_only"], 404: ["not_found"]})),
    (WS + "/members", op(
        "list_members", "get", "The workspace's members", tag=WORKSPACES,
        ok=wrapped("members", array(ref("Member"))),
        params=[query_param("include_inactive", {"type": "string", "enum": ["0", "1", "false", "true"]},
                            "admins only (ignored for others): include deactivated members")],
        errors={404: ["not_found"]})),
    (WS + "/members/{user_id}", op(
        "update_member", "patch", "Change a member's role or deactivate/reactivate them (admins)",
        tag=WORKSPACES, ok=ref("Member"),
        description="Admins manage members and guests; only owners change admins and owners; a "
                    "workspace keeps at least one active owner. Deactivating or changing the role "
                    "closes the person's open sockets.",
        body=json_body({"role": ROLE, "active": boolean()}, closed=True, min_properties=1),
        errors={403: ["admin_only", "owner_only"], 404: ["not_found"], 409: ["last_owner"]})),
    (WS + "/presence", op(
        "workspace_presence", "get", "Who is connected", tag=WORKSPACES,
        description="In workspaces of more than PRESENCE_PUSH_LIMIT (100) active members, changes "
                    "are not pushed (`live` is false): poll every 60 s for the people you show, "
                    "naming them in `user_ids` (docs/realtime.md).",
        ok=obj({"presence": {"type": "object", "propertyNames": {"pattern": "^[1-9][0-9]*$"},
                             "additionalProperties": {"type": "string", "enum": ["online", "away"]},
                             "description": "user id -> status; people without an open socket "
                                            "(offline) are absent"},
                "live": {"type": "boolean",
                         "description": "whether presence.changed is pushed for this workspace"}}),
        params=[query_param("user_ids", {"type": "string", "pattern": "^[0-9]+(,[0-9]+)*$"},
                            "comma-separated user ids, at most 1,000: only these people")],
        errors={400: ["invalid"], 404: ["not_found"]})),
    (WS + "/invites", op("list_invites", "get", "Usable invite links (admins)", tag=WORKSPACES,
                         ok=wrapped("invites", array(ref("Invite"))),
                         ok_description="OK: not revoked, not expired, newest first",
                         errors={403: ["admin_only"], 404: ["not_found"]})),
    (WS + "/invites", op(
        "create_invite", "post", "Create an invite link (admins)", tag=WORKSPACES, status=201,
        ok=ref("Invite"), ok_description="Created",
        body=json_body({"role": {"type": "string", "enum": ["admin", "member", "guest"], "default": "member",
                                 "description": "`owner` is refused"},
                        "expires_in_hours": {"type": "integer", "minimum": 1, "maximum": 720,
                                             "default": 168}}),
        errors={403: ["admin_only"], 404: ["not_found"]})),
    (WS + "/invites/{invite_id}", op(
        "revoke_invite", "delete", "Revoke an invite link (admins; repeating is harmless)",
        tag=WORKSPACES, ok=ref("Invite"), errors={403: ["admin_only"], 404: ["not_found"]})),
    ("/invites/{code}", op("invite_preview", "get", "What an invite link leads to", tag=WORKSPACES,
                           public=True, ok=ref("InvitePreview"),
                           errors={404: ["invite_invalid", "not_found"]})),
    ("/invites/{code}/accept", op(
        "accept_invite", "post", "Join the workspace of an invite link", tag=WORKSPACES,
        ok=ref("Workspace"), ok_description="The workspace you are now in (also when you already were)",
        errors={403: ["deactivated"], 404: ["invite_invalid", "not_found"]})),

    # channels and conversations
    (WS + "/channels", op(
        "list_channels", "get", "Your channels and conversations with unread counts", tag=CHANNELS,
        ok=wrapped("channels", array(ref("Channel"))),
        ok_description="OK: joined channels with `joined`, `last_read_id`, `can_post`, `unread_count`, "
                       "`mention_count`, and `members` for dm/group",
        errors={404: ["not_found"]})),
    (WS + "/channels/browse", op(
        "browse_channels", "get", "Public channels, joined or not, with member counts", tag=CHANNELS,
        description="Guests see only the public channels they were added to.",
        ok=wrapped("channels", array(ref("Channel"))), ok_description="OK: with `joined` and `member_count`",
        errors={404: ["not_found"]})),
    (WS + "/channels", op(
        "create_channel", "post", "Create a channel (you join it)", tag=CHANNELS, status=201,
        ok=ref("Channel"), ok_description="Created",
        body=json_body({
            "name": line(1, 80, "lower-cased and spaces become `-`; then letters, digits, - and _, "
                                "starting with a letter or digit; unique in the workspace"),
            "private": boolean("default false"), "broadcast": boolean("admins only; default false"),
            "topic": line(0, 250), "purpose": line(0, 250),
        }, required=("name",)),
        errors={403: ["guest", "admin_only"], 404: ["not_found"], 409: ["name_taken", "conflict"]})),
    (WS + "/direct", op(
        "open_direct", "post", "Open the direct or group conversation with exactly these people",
        tag=CHANNELS, ok=ref("Channel"), ok_description="The conversation, created on first use",
        description="You are always included: `[your id]` opens a note to yourself, one other person "
                    "a `dm`, more a `group` (at most 9 people in all).",
        body=json_body({"user_ids": array(ID, minItems=1, maxItems=9)}, required=("user_ids",)),
        errors={404: ["not_found"]})),
    (CH, op("get_channel", "get", "A channel you can read", tag=CHANNELS, ok=ref("Channel"),
            errors={404: ["not_found"]})),
    (CH, op(
        "update_channel", "patch", "Change a channel's name, topic, purpose, broadcast flag or archive it",
        tag=CHANNELS, ok=ref("Channel"),
        description="Any member may change the topic alone; everything else needs a workspace admin "
                    "or the channel's creator, and `broadcast` needs an admin. An archived channel "
                    "must be unarchived before other changes. Unknown fields are refused.",
        body=json_body({"name": line(1, 80), "topic": line(0, 250), "purpose": line(0, 250),
                        "broadcast": boolean(), "archived": boolean()}, closed=True, min_properties=1),
        errors={403: ["not_channel_manager", "direct_channel", "default_channel", "admin_only",
                      "channel_archived"], 404: ["not_found"], 409: ["name_taken", "conflict"]})),
    (CH + "/join", op("join_channel", "post", "Join a public channel", tag=CHANNELS, ok=ref("Channel"),
                      errors={403: ["channel_archived"], 404: ["not_found"]})),
    (CH + "/leave", op("leave_channel", "post", "Leave a channel", tag=CHANNELS, ok=ref("Ok"),
                       errors={403: ["direct_channel", "default_channel"], 404: ["not_found"],
                               409: ["not_in_channel"]})),
    (CH + "/members", op("list_channel_members", "get", "The channel's members", tag=CHANNELS,
                         ok=wrapped("members", array(ref("Member"))),
                         ok_description="OK: members with `can_post`", errors={404: ["not_found"]})),
    (CH + "/members", op(
        "add_channel_member", "post", "Add someone to a channel, or (admins) set can_post", tag=CHANNELS,
        ok=ref("ChannelMembership"),
        description="Any member may add people from the workspace; only admins send `can_post`. "
                    "Adding someone already in the channel is harmless.",
        body=json_body({"user_id": ID, "can_post": boolean("admins only")}, required=("user_id",)),
        errors={403: ["not_in_channel", "direct_channel", "channel_archived", "admin_only"],
                404: ["not_found"]})),
    (CH + "/members/{user_id}", op(
        "remove_channel_member", "delete", "Remove someone from a channel (your own id: leave)",
        tag=CHANNELS, ok=ref("Ok"),
        errors={403: ["not_channel_manager", "direct_channel", "default_channel"], 404: ["not_found"],
                409: ["not_in_channel"]})),
    (CH + "/read", op(
        "mark_read", "post", "Move your read position forward", tag=CHANNELS, ok=ref("ReadPosition"),
        description="The position never moves back and never past the newest message; all your "
                    "tabs receive `channel.read`.",
        body=json_body({"message_id": ID}, required=("message_id",)),
        errors={404: ["not_found"], 409: ["not_in_channel"]})),

    # messages
    (CH + "/messages", op(
        "history", "get", "A page of top-level messages, oldest first", tag=MESSAGES, ok=ref("HistoryPage"),
        description="Without `before`/`after`: the newest page. With `before`: the page just older "
                    "than that id. With `after`: the page just newer. With both: the page just newer "
                    "than `after` among the messages older than `before`. Deleted messages are left out "
                    "unless replies hang on them.",
        params=[query_param("before", ID, "message id: the messages older than this"),
                query_param("after", ID, "message id: the messages newer than this"),
                limit_param(50, 200)],
        errors={400: ["invalid"], 404: ["not_found"]})),
    (CH + "/messages", op(
        "send_message", "post", "Send a message (idempotent with client_msg_id)", tag=MESSAGES,
        status=201, ok=ref("Message"), ok_description="Created and published as `message.created`",
        extra_responses={"200": json_response(
            "A repeat of an earlier client_msg_id: the stored original, nothing published", ref("Message"))},
        body=json_body({"body": {**MESSAGE_BODY, "description": MESSAGE_BODY["description"]
                                 + " May be empty or absent when file_ids are given."},
                        "client_msg_id": nullable(CLIENT_MSG_ID),
                        "thread_root_id": nullable({**ID, "description": "reply in this thread "
                                                                         "(a top-level message)"}),
                        "file_ids": array(PATH_PARAMS["file_id"], maxItems=10, uniqueItems=True,
                                          description="your uploads to this channel "
                                                      "(POST /channels/{channel_id}/files), not yet sent")},
                       one_of_required=[("body",), ("file_ids",)]),
        errors={403: ["channel_archived", "not_in_channel", "broadcast_only"],
                404: ["not_found", "thread_not_found", "file_not_found"],
                409: ["client_msg_id_reused", "file_already_sent"]})),
    (CH + "/pins", op("pinned", "get", "Pinned messages, most recently pinned first (at most 100)",
                      tag=MESSAGES, ok=wrapped("messages", array(ref("Message"))), errors={404: ["not_found"]})),
    (MSG, op("get_message", "get", "One message", tag=MESSAGES, ok=ref("Message"), errors={404: ["not_found"]})),
    (MSG, op("edit_message", "patch", "Edit your message", tag=MESSAGES, ok=ref("Message"),
             body=json_body({"body": MESSAGE_BODY}, required=("body",)),
             errors={403: ["not_author", "channel_archived"], 404: ["not_found"]})),
    (MSG, op("delete_message", "delete", "Delete a message (yours, or any as an admin)", tag=MESSAGES,
             ok=ref("DeletedMessage"), errors={403: ["not_author"], 404: ["not_found"]})),
    (MSG + "/thread", op(
        "thread", "get", "A thread: its first message and a page of replies", tag=MESSAGES,
        ok=ref("ThreadPage"), description="Any message of the thread may be given; the root is looked up.",
        params=[query_param("after", ID, "message id: the replies newer than this"), limit_param(50, 200)],
        errors={400: ["invalid"], 404: ["not_found"]})),
    (MSG + "/reactions", op(
        "add_reaction", "post", "React to a message (repeating is harmless)", tag=MESSAGES, ok=ref("Message"),
        body=json_body({"emoji": {**PATH_PARAMS["emoji"], "description":
                                  "an emoji character or a short name matching ^[a-z0-9_+-]{1,40}$"}},
                       required=("emoji",)),
        errors={403: ["not_in_channel", "channel_archived"], 404: ["not_found"],
                409: ["too_many_reactions"]})),
    (MSG + "/reactions/{emoji}", op(
        "remove_reaction", "delete", "Take back your reaction (repeating is harmless)", tag=MESSAGES,
        ok=ref("Message"), errors={400: ["invalid"], 403: ["not_in_channel", "channel_archived"],
                                   404: ["not_found"]})),
    (MSG + "/pin", op("pin", "put", "Pin a message (repeating is harmless)", tag=MESSAGES, ok=ref("Message"),
                      errors={403: ["not_in_channel", "channel_archived"], 404: ["not_found"]})),
    (MSG + "/pin", op("unpin", "delete", "Unpin a message (repeating is harmless)", tag=MESSAGES,
                      ok=ref("Message"), errors={403: ["not_in_channel", "channel_archived"],
                                                 404: ["not_found"]})),
    (WS + "/mentions", op("mentions", "get", "The 50 newest messages mentioning you", tag=MESSAGES,
                          description="In channels you are still in, read or not, newest first.",
                          ok=wrapped("messages", array(ref("Message"))), errors={404: ["not_found"]})),

    # files
    (CH + "/files", upload_operation()),
    (CH + "/files", op(
        "channel_files", "get", "Files shared in a conversation, newest first", tag=FILES, ok=ref("FilePage"),
        params=FILE_FILTERS, errors={400: ["invalid"], 404: ["not_found"]})),
    (WS + "/files", op(
        "workspace_files", "get", "Files shared in every conversation you can read, newest first", tag=FILES,
        ok=ref("FilePage"), params=FILE_FILTERS, errors={400: ["invalid"], 404: ["not_found"]})),
    (WS + "/files/search", op(
        "search_files", "get", "Find files by name or by words inside PDFs", tag=FILES,
        ok=ref("FileSearchResults"),
        description="Case-insensitive substring match on the file name and the text extracted from "
                    "PDFs, in conversations you can read; each result carries the sharing message.",
        params=[{**query_param("q", line(1, 200), "what to look for"), "required": True}, limit_param(20, 100)],
        errors={400: ["invalid"], 404: ["not_found"]})),
    (WS + "/storage", op(
        "storage_usage", "get", "Storage used by the workspace's files (admins)", tag=FILES,
        ok=ref("StorageUsage"), errors={403: ["admin_only"], 404: ["not_found"]})),
    ("/files/{file_id}", op("get_file", "get", "A file's details", tag=FILES, ok=ref("File"),
                            errors={404: ["not_found"]})),
    ("/files/{file_id}", op(
        "delete_file", "delete", "Delete a file for everyone (its uploader, or an admin)", tag=FILES,
        ok=ref("FileDeleted"), description="A message that was only this file is deleted with it; "
                                           "otherwise the message is updated (`message.updated`).",
        errors={403: ["not_uploader"], 404: ["not_found"]})),
    ("/files/{file_id}/content", bytes_operation(
        "file_content", "The file's bytes (Range requests supported)",
        "Images and PDFs are served inline (for the in-page viewer) unless `download=1`; everything "
        "else is always an attachment, with a sandboxing Content-Security-Policy and "
        "`X-Content-Type-Options: nosniff`. Access is checked on every request, Range requests "
        "included; responses carry an ETag and `Cache-Control: private, no-cache`.",
        params=[query_param("download", {"type": "string", "enum": ["0", "1"]}, "1: always as an attachment")],
        not_found=["not_found", "content_missing"])),
    ("/files/{file_id}/thumbnail", bytes_operation(
        "file_thumbnail", "The preview image (WebP, at most 480 px)",
        "Only while `preview.state` is `ready`.", not_found=["not_found", "no_preview", "content_missing"])),

    # catch-up
    ("/events", op(
        "events_since", "get", "Durable events after a cursor (catch-up)", tag=EVENTS, ok=ref("EventPage"),
        description="Every logged event with id > `since` that you may read now, in id order. The "
                    "same events, in the same envelopes, arrive live over Socket.IO; see docs/realtime.md. "
                    "The log is pruned by age and size: a `since` older than what it keeps is answered "
                    "410 `cursor_expired`; reload your state and resume from `GET /events/head`.",
        params=[query_param("since", {**COUNT, "maximum": 2**63 - 1, "default": 0},
                            "the last event id you have seen"),
                limit_param(500, 1000)],
        errors={400: ["invalid"], 410: ["cursor_expired"]})),
    ("/events/head", op(
        "events_head", "get", "The newest event id", tag=EVENTS,
        description="Call it before loading state over REST, then resume catch-up from it.",
        ok=obj({"cursor": {**COUNT, "description": "the newest event id (0 when none)"}}))),

    # this document
    ("/openapi.json", op("openapi", "get", "This OpenAPI document", tag=META, public=True,
                         ok={"type": "object"})),
)

DESCRIPTION = """\
The JSON REST API of the chat server. Real-time delivery uses Socket.IO on the same origin
(see docs/realtime.md); this document covers HTTP only (see docs/api.md for a walkthrough).

* Authenticate with a personal API token (`Authorization: Bearer chat_...`) or with the
  browser session cookie, in which case writes also send `X-CSRFToken`.
* Ids are positive integers. Timestamps are UTC ISO-8601 with milliseconds and `Z`.
* Errors are `{"error": {"code", "message", "field"?}}` with a stable `code`.
* Things you may not see answer 404 exactly like things that do not exist.
* Requests are rate limited per person, per address and for some actions per account or
  workspace; over a limit the answer is `429 rate_limited` with a `Retry-After` header.
"""


@cache
def spec() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Chat API", "version": "1", "description": DESCRIPTION},
        "tags": [{"name": ACCOUNTS, "description": "sign-up, your profile and personal API tokens"},
                 {"name": WORKSPACES, "description": "workspaces, members, presence and invite links"},
                 {"name": CHANNELS, "description": "channels, direct conversations, membership and read positions"},
                 {"name": MESSAGES, "description": "messages, threads, reactions and pins"},
                 {"name": FILES, "description": "file uploads, previews, downloads and search"},
                 {"name": EVENTS, "description": "catch-up after a disconnect"},
                 {"name": META, "description": "this document"}],
        "security": READ,
        "paths": PATHS,
        "components": {"schemas": SCHEMAS, "securitySchemes": SECURITY_SCHEMES},
    }


@api.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    return jsonify(spec())
