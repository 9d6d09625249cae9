"""The response side of the API document: the component schemas of what the routes answer (the
shapes of ``chat.services.payloads``, the one wire format), the error responses, security
schemes and path parameters. Hand-declared: responses are built as plain dicts by the services,
and tests/test_openapi.py checks real responses against these schemas. Request bodies and
query strings are not here: they are the typed models of chat/core/requests.py."""
from __future__ import annotations

from typing import Any

from chat.core import limits
from chat.core.requests import (
    BOOLEAN,
    CLIENT_MSG_ID,
    COUNT,
    EMOJI,
    FILE_ID,
    HTTP_URL,
    ID,
    INTEGRATION_KIND,
    LINE_RULE,
    Schema,
    nullable,
    text_schema,
)
from chat.models import HookContentType, Role, TriggerWhen
from chat.services.files.upload_urls import TICKET_PATTERN

# --- helpers ------------------------------------------------------------------------------------


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, Schema], *, required: tuple[str, ...] | list[str] | None = None,
        description: str | None = None) -> Schema:
    """A closed object listing every field the server sends; every property is required unless
    ``required`` names a subset."""
    schema: Schema = {"type": "object", "properties": properties,
                      "required": list(properties if required is None else required), "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


def array(items: Schema, **extra: Any) -> Schema:
    return {"type": "array", "items": items, **extra}


def wrapped(key: str, schema: Schema) -> Schema:
    return obj({key: schema})


def boolean(description: str | None = None) -> Schema:
    return {**BOOLEAN, "description": description} if description else BOOLEAN


def json_response(description: str, schema: Schema) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ROLE: Schema = {"type": "string", "enum": [r.value for r in Role]}
# payloads.iso(): naive UTC datetimes, always with milliseconds and a Z.
TIMESTAMP: Schema = {"type": "string", "format": "date-time",
                     "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$",
                     "examples": ["2025-01-31T09:15:02.123Z"]}
BINARY: Schema = {"type": "string", "format": "binary"}


def id_of(what: str) -> Schema:
    return {**ID, "description": f"id of the {what}"}


# Path parameters by name, wherever a route has them.
PATH_PARAMS: dict[str, Schema] = {
    "workspace_id": id_of("workspace"),
    "channel_id": id_of("channel or conversation"),
    "message_id": id_of("message"),
    "user_id": id_of("person"),
    "bot_id": id_of("bot (its user id)"),
    "token_id": id_of("API token"),
    "invite_id": id_of("invite"),
    "webhook_id": id_of("incoming webhook"),
    "command_id": id_of("custom slash command"),
    "delivery_id": id_of("delivery (a request sent to an integration)"),
    "outgoing_webhook_id": id_of("outgoing webhook"),
    "code": text_schema(1, limits.INVITE_CODE_LENGTH, "the invite code from the invite link"),
    "file_id": FILE_ID,
    "emoji": {**EMOJI, "description": "the reaction: an emoji character or a short name such as `thumbsup` "
                                      f"(URL-encode it). {LINE_RULE}"},
    "signature": {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$",
                  "description": "the server's signature of the image URL (unpadded base64url of an HMAC-SHA256)"},
    "url": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,2731}$",
            "description": "the image's own URL, as unpadded base64url"},
    "ticket": {"type": "string", "pattern": TICKET_PATTERN,
               "description": "the signed, one-time ticket of an upload URL from the Web API's "
                              "`files.getUploadURLExternal`"},
}

# --- errors -------------------------------------------------------------------------------------

ERROR_TITLES = {400: "Invalid request", 401: "Not signed in", 403: "Not allowed",
                404: "Not found (or not visible to you)", 409: "Conflict with the current state",
                410: "Gone: no longer available",
                413: "Too large (request bodies: 2 MiB, except file uploads)",
                415: "Not a supported type",
                429: "Too many requests: a rate limit of yours, your account's or your address's "
                     "(docs/api.md); wait `Retry-After` seconds",
                502: "Another server (an image's origin) failed or was refused",
                503: "Busy: too much of this kind of work waiting (password checks, image fetches); retry after "
                     "`Retry-After` seconds",
                504: "Another server (an image's origin) did not answer in time"}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before retrying (also `retry_after` in the body)",
                               "schema": {"type": "integer", "minimum": 1}}}


def error_response(status: int, codes: list[str]) -> Schema:
    """The documented answer for one error status: the Error schema and the codes it may carry."""
    listed = ", ".join(f"`{c}`" for c in codes)
    response = json_response(f"{ERROR_TITLES[status]}. Error codes: {listed}.", ref("Error"))
    response["x-error-codes"] = codes  # the same list, for tools and tests
    if status in (429, 503):
        response["headers"] = RETRY_AFTER
    return response


# --- component schemas (the shapes of chat.services.payloads) ----------------------------------

USER_FIELDS: dict[str, Schema] = {
    "id": ID,
    "username": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_.-]{1,31}$",
                 "description": "the @mention handle"},
    "display_name": text_schema(1, limits.NAME_LENGTH),
    "is_bot": boolean("a bot's account (shown with a BOT tag), not a person's"),
}

TOKEN_FIELDS: dict[str, Schema] = {
    "id": ID, "name": text_schema(1, limits.NAME_LENGTH),
    "prefix": {"type": "string", "minLength": 12, "maxLength": 12,
               "description": "the first 12 characters of the secret, to recognise it"},
    "created_at": TIMESTAMP,
    "last_used_at": nullable({**TIMESTAMP, "description": "updated at most every 5 minutes"}),
    "revoked": boolean(),
}

WEBHOOK_FIELDS: dict[str, Schema] = {
    "id": ID, "workspace_id": ID,
    "channel_id": {**ID, "description": "where it posts unless a post names another channel"},
    "bot_id": {**ID, "description": "the bot account it posts as (its messages' author id)"},
    "name": text_schema(1, limits.NAME_LENGTH, "the name its posts show"),
    "icon_url": nullable({**HTTP_URL, "description": "the picture its posts show"}),
    "created_by": nullable({**ID, "description": "who made it: it never posts where they may not"}),
    "prefix": {"type": "string", "minLength": 8, "maxLength": 8,
               "description": "the first 8 characters of the secret, to recognise the URL"},
    "created_at": TIMESTAMP, "secret_changed_at": TIMESTAMP,
    "revoked": boolean("a revoked webhook answers `no_service`"), "revoked_at": nullable(TIMESTAMP),
}

OUTGOING_WEBHOOK_FIELDS: dict[str, Schema] = {
    "id": ID, "workspace_id": ID,
    "bot_id": {**ID, "description": "the bot account its replies are posted as (their author id)"},
    "name": text_schema(1, limits.NAME_LENGTH, "the name its replies show"),
    "description": text_schema(0, limits.BOT_DESCRIPTION_LENGTH),
    "icon_url": nullable({**HTTP_URL, "description": "the picture its replies show"}),
    "channel_ids": array(ID, maxItems=limits.OUTGOING_WEBHOOK_CHANNELS,
                         description="the channels it watches; empty: any public channel"),
    "trigger_words": array({"type": "string", "minLength": 1, "maxLength": limits.TRIGGER_WORD_LENGTH},
                           maxItems=limits.TRIGGER_WORDS,
                           description="a message's first word must match one (empty: every message)"),
    "trigger_when": {"type": "string", "enum": [t.value for t in TriggerWhen]},
    "callback_urls": array(HTTP_URL, minItems=1, maxItems=limits.OUTGOING_WEBHOOK_URLS),
    "content_type": {"type": "string", "enum": [t.value for t in HookContentType]},
    "ignore_bots": boolean("not sent bots' messages (never its own)"),
    "token": {"type": "string", "pattern": "^[a-z0-9]{26}$",
              "description": "sent as `token` with every request: the receiver checks it"},
    "created_by": nullable({**ID, "description": "the admin who made it: it never hears or posts where they may not"}),
    "created_at": TIMESTAMP, "token_changed_at": TIMESTAMP,
}

BOT_FIELDS: Schema = {
    **USER_FIELDS, "is_bot": {"const": True}, "workspace_id": ID,
    "owner_id": nullable({**ID, "description": "the admin who made the bot (null once their account is gone)"}),
    "description": text_schema(0, limits.BOT_DESCRIPTION_LENGTH),
    "icon_url": nullable({**HTTP_URL, "description": "the bot's picture"}),
    "ignore_bots": boolean("not sent other bots' messages, so two bots never answer each other forever"),
    "active": boolean("false while deactivated: its tokens are refused"),
    "created_at": TIMESTAMP, "deactivated_at": nullable(TIMESTAMP),
    "events_url": nullable({**HTTP_URL, "description": "where its Events API requests go (null: none); "
                                                       "shown to the workspace's admins only"}),
}

DELIVERY_STATUS: Schema = {"type": "string", "enum": ["pending", "delivered", "failed", "given_up"],
                           "description": "`pending`: an attempt is due or running (`next_attempt_at`); "
                                          "`delivered`: a 2xx answer; `failed`: a failure no retry can fix (an "
                                          "invalid or refused URL); `given_up`: every retry failed"}
DELIVERY_FIELDS: dict[str, Schema] = {
    "id": ID, "workspace_id": ID,
    "kind": {**INTEGRATION_KIND, "description": "the kind of integration (`events_api`: a bot's Events API; "
                                                "`slash_command`: a custom slash command's request)"},
    "integration_id": {**ID, "description": "the integration's id within its kind (for `events_api`, the bot's; "
                                            "for `slash_command`, the command's)"},
    "event": {"type": "string", "maxLength": 100, "description": "what the request is about (an event type)"},
    "url": {"type": "string", "description": "where it is sent"},
    "status": DELIVERY_STATUS,
    "attempts": {**COUNT, "description": "attempts finished so far"},
    "created_at": TIMESTAMP,
    "finished_at": nullable({**TIMESTAMP, "description": "when it was delivered, failed or given up"}),
    "next_attempt_at": nullable({**TIMESTAMP, "description": "pending ones: when the next attempt is due"}),
    "replay_of_id": nullable({**ID, "description": "the delivery this one replays"}),
    "attempt_log": array(ref("DeliveryAttempt"), description="every attempt, first first (a running one "
                                                              "without `finished_at`)"),
    "body": {"type": "string", "description": "GET /deliveries/{delivery_id} only: the body as sent"},
    "headers": {"type": "object", "additionalProperties": {"type": "string"},
                "description": "GET /deliveries/{delivery_id} only: the headers sent with every attempt (the "
                               "signature and retry headers are added at each attempt and not kept)"},
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
    "Me": obj({**USER_FIELDS, "email": {"type": "string", "maxLength": limits.EMAIL_LENGTH},
               "created_at": TIMESTAMP}, description="The signed-in person."),
    "Member": obj({
        **USER_FIELDS, "role": ROLE,
        "active": boolean("false once an admin deactivated the person in this workspace"),
        "joined_at": TIMESTAMP,
        "can_post": boolean("channel member lists only: may post in a broadcast channel"),
        "icon_url": nullable({**HTTP_URL, "description": "bots only: the bot's picture, null when none"}),
    }, required=(*USER_FIELDS, "role", "active", "joined_at"),
        description="A person in a workspace (and, in channel member lists, in a channel)."),
    "Workspace": obj({
        "id": ID, "name": text_schema(1, limits.NAME_LENGTH), "created_at": TIMESTAMP,
        "role": {**ROLE, "description": "your role; absent in PATCH responses and workspace.joined events"},
        "unread_count": {**COUNT, "description": "GET /workspaces only: unread top-level messages from others "
                                                  "(each channel counted up to 1,000)"},
        "mention_count": {**COUNT, "description": "GET /workspaces only: unread mentions plus unread "
                                                  "direct messages"},
        "max_file_size": {"type": "integer", "minimum": 1, "description": "largest file a member may share, "
                                                                         "in bytes"},
        "members_create_webhooks": boolean("members, not only admins, may make incoming webhooks for channels "
                                           "they may post in"),
        "webhook_overrides": boolean("incoming webhook posts may set their own `username`, `icon_url` and "
                                     "`icon_emoji` (else those fields are ignored)"),
    }, required=("id", "name", "created_at", "max_file_size", "members_create_webhooks", "webhook_overrides")),
    "Channel": obj({
        "id": ID, "workspace_id": ID,
        "kind": {"type": "string", "enum": ["public", "private", "dm", "group"],
                 "description": "`dm` is two people (or a note to yourself), `group` up to 9 people"},
        "name": nullable({"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]{0,79}$",
                          "description": "null for dm and group conversations"}),
        "topic": text_schema(0, limits.TOPIC_LENGTH), "purpose": text_schema(0, limits.TOPIC_LENGTH),
        "broadcast": boolean("only admins and members with can_post may post"),
        "is_default": boolean("the workspace's #general: everyone is in it and stays in it"),
        "archived": boolean("archived channels are read-only"),
        "created_by": nullable(ID), "created_at": TIMESTAMP,
        "last_message_id": nullable({**ID, "description": "newest message, null before the first"}),
        "joined": boolean("whether you are a member (absent in PATCH responses and events)"),
        "last_read_id": {**COUNT, "description": "members only: your read position (a message id, 0 = none)"},
        "can_post": boolean("members only: you were named a poster of this broadcast channel"),
        "muted": boolean("members only: you muted it (`/mute`, PUT /channels/{id}/mute): its unread messages make "
                         "no badge or notification, mentions still do"),
        "unread_count": {**COUNT, "description": "your channel list only: unread top-level messages from others, "
                                                  "up to 1,000 (1,000 means 1,000 or more)"},
        "mention_count": {**COUNT, "description": "your channel list only"},
        "members": array(ref("User"), description="your channel list only, dm and group conversations: "
                                                  "the participants"),
        "member_count": {**COUNT, "description": "channel browser only"},
    }, required=("id", "workspace_id", "kind", "name", "topic", "purpose", "broadcast", "is_default",
                 "archived", "created_by", "created_at", "last_message_id")),
    "Reaction": obj({"emoji": text_schema(1, limits.EMOJI_LENGTH), "count": {"type": "integer", "minimum": 1},
                     "user_ids": array(ID, minItems=1)}),
    "Message": obj({
        "id": ID, "workspace_id": ID, "channel_id": ID, "author": ref("User"),
        "client_msg_id": nullable(CLIENT_MSG_ID),
        "thread_root_id": nullable({**ID, "description": "the thread's first message, null at top level"}),
        "body": {"type": "string", "maxLength": limits.MESSAGE_LENGTH,
                 "description": "Markdown source; empty once deleted"},
        "html": {"type": "string", "description": "server-rendered safe HTML; text-direction controls "
                                                  "(U+202A-202E, U+2066-2069) show as `<U+202E>`; empty once deleted"},
        "mentions_channel": boolean("the message uses @channel, @here or @everyone"),
        "props": nullable({**ref("MessageProps"), "description": "integration content (incoming webhooks, bots "
                                                                "posting Slack or Mattermost payloads), or the kind "
                                                                "of a plain message (`/me`); null for everything "
                                                                "else and once deleted"}),
        "reply_count": COUNT, "last_reply_at": nullable(TIMESTAMP),
        "reactions": array(ref("Reaction"), description="in order of first use"),
        "files": array(ref("File"), description="files shared with the message, in the order sent; "
                                                "empty once deleted"),
        "pinned": boolean(), "created_at": TIMESTAMP, "edited_at": nullable(TIMESTAMP),
        "deleted": boolean("deleted messages stay in history only while a thread hangs on them"),
    }),
    "MessageProps": obj({
        "format": {"type": "string", "enum": ["slack", "mattermost"],
                   "description": "integration content only (absent on a plain message's `subtype` marker): "
                                  "`slack`: mrkdwn text, attachments and blocks; `mattermost`: Markdown text, "
                                  "attachments and `card`"},
        "subtype": {"type": "string", "enum": ["me_message"],
                    "description": "a plain message's kind (no `format`): `me_message`, sent with `/me`, is an "
                                   "action, shown in italics"},
        "text": {"type": "string", "description": "the source text as sent (the message's `body` is its plain-text "
                                                  "fallback, `html` the rendering of everything)"},
        "mrkdwn": {"const": False, "description": "slack: the text is plain, not mrkdwn"},
        "attachments": array({"type": "object"}, description="the legacy attachments as sent (known fields only, "
                                                             "defaults left out)"),
        "blocks": array({"type": "object"}, description="slack: the Block Kit blocks as sent (known fields only)"),
        "card": {"type": "string", "description": "mattermost: `props.card`, Markdown shown on demand"},
        "username": text_schema(1, 80, "show this name instead of the author's (the author stays a bot)"),
        "icon_url": {**HTTP_URL, "description": "show this picture instead of the author's"},
        "icon_proxy_url": {"type": "string", "pattern": "^/api/v1/images/",
                           "description": "with `icon_url`: the same picture through this server's image proxy "
                                          "(GET /images/{signature}/{url}), the address a page shows it from"},
        "icon_emoji": {"type": "string", "maxLength": 100, "description": "an emoji short name such as `:ghost:` "
                                                                         "shown as the author's picture"},
        "webhook_id": {**ID, "description": "the incoming webhook that posted the message"},
    }, required=(), description="A message's integration content and how its poster is shown, or the kind of "
                                "a plain message."),
    "File": obj({
        "id": FILE_ID, "workspace_id": ID,
        "channel_id": nullable({**ID, "description": "null for a file uploaded to an upload URL of the Web API "
                                                     "(`files.getUploadURLExternal`) until a message shares it"}),
        "message_id": nullable({**ID, "description": "null until sent in a message; until then only "
                                                     "the uploader can see the file"}),
        "uploader": ref("User"),
        "name": text_schema(1, limits.FILE_NAME_LENGTH, "the name given at upload, without folders and without "
                                                        "invisible or text-direction characters"),
        "title": nullable(text_schema(1, limits.FILE_NAME_LENGTH, "a title given through the Web API "
                                                                  "(`files.completeUploadExternal`); null: the name")),
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
    }, required=("id", "workspace_id", "channel_id", "message_id", "uploader", "name", "title", "size", "content_type",
                 "kind", "created_at", "preview", "url", "download_url")),
    "FilePage": obj({"files": array(ref("File"), description="newest first"),
                     "has_more": boolean("older files exist: ask again with before=<last position>")}),
    "FileSearchResults": obj({"results": array(obj({
        "file": ref("File"), "message": ref("Message"),
        "snippet": nullable({"type": "string", "description": "text around the match inside a PDF"}),
    }), description="newest first")}),
    "FileDeleted": obj({"id": FILE_ID, "deleted": {"const": True},
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
    "Bot": obj(BOT_FIELDS, required=[k for k in BOT_FIELDS if k != "events_url"],
               description="A bot user of a workspace: an account of its own kind, acting with bot tokens. "
                           "`id` is its user id (its messages' author id)."),
    "SigningSecret": obj({"bot_id": ID, "signing_secret": {"type": "string", "pattern": "^[0-9a-f]{32}$",
                                                           "description": "requests to the bot are signed "
                                                                          "with it (Slack's v0 scheme)"}}),
    "Webhook": obj(WEBHOOK_FIELDS, description="An incoming webhook: a secret URL posting into a channel as a bot "
                                               "of its own. The secret is shown only when it is made."),
    "OutgoingWebhook": obj(OUTGOING_WEBHOOK_FIELDS, description="An outgoing webhook: messages in its channels, or "
                                                                "starting with its trigger words, are POSTed to its "
                                                                "callback URLs; a JSON reply is posted as its bot."),
    "NewWebhook": obj({
        **WEBHOOK_FIELDS,
        "url": {"type": "string", "pattern": r"^https?://.+/hooks/[A-Za-z0-9_-]{43}$",
                "description": "the secret URL to POST Slack or Mattermost payloads to (docs/integrations.md). "
                               "Shown only now."},
    }),
    "SlashCommand": obj({
        "id": ID, "workspace_id": ID,
        "name": {"type": "string", "pattern": f"^/[a-z0-9][a-z0-9_-]{{0,{limits.COMMAND_NAME_LENGTH - 1}}}$",
                 "description": "with its slash"},
        "url": {**HTTP_URL, "description": "where its requests are POSTed"},
        "description": text_schema(0, limits.COMMAND_DESCRIPTION_LENGTH),
        "usage_hint": text_schema(0, limits.COMMAND_USAGE_HINT_LENGTH),
        "bot_id": {**ID, "description": "the bot account its in_channel answers are posted as"},
        "app_bot_id": nullable({**ID, "description": "the bot whose signing secret signs its requests"}),
        "token": {"type": "string", "pattern": "^[0-9a-f]{24}$",
                  "description": "Slack's verification token, sent as `token` in every request"},
        "signing_secret": {"type": "string", "pattern": "^[0-9a-f]{32}$",
                           "description": "what its requests are signed with now (Slack's v0 scheme): its app "
                                          "bot's, or its own"},
        "created_by": nullable(ID), "created_at": TIMESTAMP,
    }, description="A custom slash command of a workspace, as its admins see it (docs/integrations.md)."),
    "CommandInfo": obj({
        "name": {"type": "string", "pattern": f"^/[a-z0-9][a-z0-9_-]{{0,{limits.COMMAND_NAME_LENGTH - 1}}}$"},
        "description": text_schema(0, limits.COMMAND_DESCRIPTION_LENGTH),
        "usage_hint": text_schema(0, limits.COMMAND_USAGE_HINT_LENGTH),
        "builtin": boolean("run by the server itself; else a custom command of the workspace"),
    }, description="A command members may run, as the composer suggests it."),
    "EphemeralMessage": obj({
        "id": {"type": "string", "pattern": "^e[0-9a-f]{16}$", "description": "unique, to recognise it; not "
                                                                             "a message id"},
        "ephemeral": {"const": True},
        "workspace_id": ID, "channel_id": ID,
        "thread_root_id": nullable({**ID, "description": "shown in this thread"}),
        "author": nullable({**ref("User"), "description": "the bot or command that shows it; null: the server "
                                                          "itself (built-in commands)"}),
        "body": {"type": "string", "description": "plain-text fallback"},
        "html": {"type": "string", "description": "server-rendered safe HTML, as a message's"},
        "props": nullable(ref("MessageProps")),
        "created_at": TIMESTAMP,
        "ts": {"type": "string", "pattern": r"^[0-9]{1,12}\.[0-9]{6}$",
               "description": "its Slack timestamp (`message_ts` of chat.postEphemeral)"},
    }, description="A message shown to one person only and never stored: gone on reload."),
    "CommandResult": obj({
        "status": {"type": "string", "enum": ["done", "sent"],
                   "description": "`done`: a built-in ran; `sent`: a custom command's request is on its way and "
                                  "its answer comes as a `message.ephemeral` or `message.created` event"},
        "message": nullable({**ref("Message"), "description": "the message it posted (`/me`, `/shrug`)"}),
        "ephemeral": nullable({**ref("EphemeralMessage"), "description": "what it showed you (also sent as "
                                                                          "`message.ephemeral` to your sockets)"}),
    }),
    "DeliveryAttempt": obj({
        "number": {"type": "integer", "minimum": 1, "description": "1 for the first try"},
        "started_at": TIMESTAMP,
        "finished_at": nullable({**TIMESTAMP, "description": "null while it runs"}),
        "duration_ms": nullable({**COUNT, "description": "how long the request took"}),
        "status_code": nullable({"type": "integer", "description": "the HTTP status of the answer, when one came"}),
        "error": nullable({"type": "string", "maxLength": 300, "description": "why it failed; null: delivered "
                                                                            "(or still running)"}),
        "reason": nullable({"type": "string", "maxLength": 40, "description": "the failure as Slack's "
                                                                            "`X-Slack-Retry-Reason` names it"}),
        "response_excerpt": nullable({"type": "string", "maxLength": 500,
                                      "description": "the first characters of the answer's body"}),
    }, description="One try of a delivery."),
    "Delivery": obj(DELIVERY_FIELDS, required=[k for k in DELIVERY_FIELDS if k not in ("body", "headers")],
                    description="A request the server sent (or will send) an integration for an event, with "
                                "its attempts. Workspace admins read them (docs/integrations.md)."),
    "DeliveryPage": obj({
        "deliveries": array(ref("Delivery"), description="newest first"),
        "has_more": boolean("the page is full: older deliveries may exist (ask again with `before` = the last "
                            "id; the next page may be empty)"),
    }),
    "Invite": obj({
        "id": ID, "workspace_id": ID,
        "code": {"type": "string", "pattern": r"^[A-Za-z0-9_-]{32}$",
                 "description": "share it as a link; accept it with POST /invites/{code}/accept"},
        "role": {"type": "string", "enum": ["admin", "member", "guest"]},
        "created_at": TIMESTAMP, "expires_at": TIMESTAMP, "revoked": boolean(), "uses": COUNT,
    }),
    "InvitePreview": obj({
        "workspace": obj({"id": ID, "name": text_schema(1, limits.NAME_LENGTH)}),
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
    "EventPage": obj({
        "events": array(ref("EventEnvelope"), description="in id order"),
        "has_more": boolean("call again with `since=cursor` for the rest"),
        "cursor": {**COUNT, "description": "resume after this id next time"},
    }),
    "ReadPosition": obj({"channel_id": ID, "last_read_id": COUNT}),
    "ChannelMembership": obj({"channel_id": ID, "user_id": ID, "can_post": boolean()}),
    "Ok": obj({"ok": {"const": True}}),
}

# --- socket events (docs/realtime.md): one data shape per event name --------------------------

# The data of each durable event, as it is sent live. A replay (sync, GET /events) may carry a
# message event's data as the RedactedMessage stub instead: the log keeps facts, not old text.
DURABLE_EVENT_DATA: dict[str, Schema] = {
    "message.created": ref("Message"),
    "message.updated": ref("Message"),
    "message.deleted": ref("DeletedMessage"),
    "channel.created": ref("Channel"),
    "channel.updated": ref("Channel"),
    "channel.member_added": obj({"channel": ref("Channel"), "user_id": ID}),
    "channel.member_removed": obj({"channel_id": ID, "user_id": ID}),
    "workspace.joined": ref("Workspace"),
}
REDACTABLE_EVENTS = ("message.created", "message.updated", "message.deleted")

# Ephemeral events are sent as they are, without an envelope, and never replayed.
EPHEMERAL_EVENT_DATA: dict[str, Schema] = {
    "typing": obj({"channel_id": ID, "thread_root_id": nullable(ID), "workspace_id": ID,
                   "user": obj({"id": ID, "display_name": USER_FIELDS["display_name"]})}),
    "presence.changed": obj({"user_id": ID, "status": {"type": "string", "enum": ["online", "away", "offline"]},
                             "workspace_id": ID}),
    "channel.read": obj({"channel_id": ID, "last_read_id": COUNT, "workspace_id": ID}),
    "file.updated": ref("File"),
    "message.ephemeral": ref("EphemeralMessage"),
    "channel.muted": obj({"channel_id": ID, "muted": BOOLEAN, "workspace_id": ID}),
    "workspace.member_updated": obj({**SCHEMAS["Member"]["properties"], "workspace_id": ID},
                                    required=(*SCHEMAS["Member"]["required"], "workspace_id")),
}

SCHEMAS["EventEnvelope"] = {
    **obj({
        "id": {**ID, "description": "position in the event log; ids grow in commit order"},
        "prev_id": {**COUNT, "description": "the id of the previous event of the same audience (the "
                                            "channel, or you when `channel_id` is null); 0 when none is "
                                            "left in the log. An event whose `prev_id` you have not "
                                            "applied means one is missing: sync (docs/realtime.md)"},
        "type": {"type": "string", "enum": list(DURABLE_EVENT_DATA)},
        "workspace_id": ID,
        "channel_id": nullable({**ID, "description": "null for events addressed to one person"}),
        "data": {"type": "object"},
    }),
    "description": "A durable event, the same over Socket.IO and GET /events. `data` depends on `type`.",
    "oneOf": [{"properties": {"type": {"const": name},
                              "data": {"oneOf": [data, ref("RedactedMessage")]} if name in REDACTABLE_EVENTS
                              else data}}
              for name, data in DURABLE_EVENT_DATA.items()],
}

# What a socket receives under each event name: the envelope for durable events (with the data
# as sent live), the data itself for ephemeral ones. Served as the document's `x-socket-events`.
SOCKET_EVENTS: dict[str, Schema] = {
    **{name: {"allOf": [ref("EventEnvelope"), {"properties": {"type": {"const": name}, "data": data},
                                                   "required": ["type", "data"]}]}
       for name, data in DURABLE_EVENT_DATA.items()},
    **EPHEMERAL_EVENT_DATA,
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

READ: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"cookieAuth": []}]
# Cookie-authenticated writes must also carry the CSRF token header.
WRITE: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"cookieAuth": [], "csrfToken": []}]
PUBLIC: list[dict[str, list[str]]] = []

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
