"""The Web API's methods: each reads its arguments, calls the services the REST API calls and
answers Slack's shape (docs/integrations.md lists what each supports)."""
from __future__ import annotations

from typing import Any

from chat.api import public_url
from chat.api.slack import Call, method
from chat.api.slack.args import SlackError, invalid, metadata, next_cursor
from chat.core import limits, ratelimits
from chat.core.errors import Invalid, NotFound
from chat.core.validation import parse_json
from chat.services import channels, files, messages, workspaces
from chat.services.integrations import slack_emoji, slack_ids, slack_ts
from chat.services.integrations.slack_payload import SlackPayloadError
from chat.services.integrations.slack_shapes import (
    FileShare,
    conversation,
    conversation_id,
    domain,
    file,
    file_id,
    message,
    user,
)
from chat.services.messages import MessageContent
from chat.services.messages.content import OVERRIDES, requested_overrides
from chat.services.payloads import channel_view_payload, member_payload

HISTORY_PAGE = limits.HISTORY_PAGE.maximum
LIST_PAGE = 1000
# Arguments that make a message Slack content (``MessageContent``) rather than plain text.
CONTENT_ARGS = ("blocks", "attachments")


# --- the basics ----------------------------------------------------------------------------------

@method("api.test", auth=False)
def api_test(call: Call) -> dict[str, Any]:
    args = {k: v for k, v in call.args.values.items() if k != "token"}
    error = call.args.text("error")
    if error:
        raise SlackError(error[:100])
    return {"args": args} if args else {}


@method("auth.test")
def auth_test(call: Call) -> dict[str, Any]:
    data: dict[str, Any] = {
        "url": public_url() + "/", "team": call.team.workspace.name, "user": call.me.username,
        "team_id": call.team_id, "user_id": slack_ids.user_id(call.me.id), "is_enterprise_install": False,
    }
    if call.me.is_bot:
        data["bot_id"] = slack_ids.bot_id(call.me.id)
    return data


@method("team.info", errors={"not_found": "team_not_found"})
def team_info(call: Call) -> dict[str, Any]:
    asked = call.args.text("team")
    if asked and asked != call.team_id:
        raise SlackError("team_not_found")
    workspace = call.team.workspace
    return {"team": {"id": call.team_id, "name": workspace.name, "domain": domain(workspace.name),
                     "email_domain": "", "icon": {"image_default": True}}}


# --- users ---------------------------------------------------------------------------------------

def _member(call: Call, member: workspaces.WorkspaceMember, *, email_known: bool = False) -> dict[str, Any]:
    mine = member.user.id == call.me.id
    return user(member_payload(member.user, member.membership), call.team_id,
                email=member.user.email if (mine or email_known) and not member.user.is_bot else None)


@method("users.list")
def users_list(call: Call) -> dict[str, Any]:
    limit = call.args.limit(LIST_PAGE, LIST_PAGE)
    after = call.args.cursor("users") or 0
    members = sorted(workspaces.list_members(call.me, call.team.id, include_inactive=True), key=lambda m: m["id"])
    page = [m for m in members if m["id"] > after]
    more = len(page) > limit
    page = page[:limit]
    return {"members": [user(m, call.team_id) for m in page], "cache_ts": 0,
            **metadata(next_cursor("users", page[-1]["id"] if more else None))}


@method("users.info", not_found="user_not_found")
def users_info(call: Call) -> dict[str, Any]:
    member = workspaces.get_member(call.me, call.team.id, call.args.user())
    return {"user": _member(call, member)}


@method("users.lookupByEmail", not_found="users_not_found", errors={"invalid": "users_not_found"})
def users_lookup_by_email(call: Call) -> dict[str, Any]:
    email = call.args.text("email", required=True, error="users_not_found")
    member = workspaces.get_member(call.me, call.team.id, 0, email=email)
    return {"user": _member(call, member, email_known=True)}


# --- conversations -------------------------------------------------------------------------------

TYPES = {"public_channel": "public", "private_channel": "private", "mpim": "group", "im": "dm"}


def _other(call: Call, channel: dict[str, Any]) -> int | None:
    """The other person of a direct conversation (yourself in a note to self)."""
    people = [m["id"] for m in channel.get("members", [])]
    others = [p for p in people if p != call.me.id]
    return others[0] if others else (call.me.id if people else None)


@method("conversations.list")
def conversations_list(call: Call) -> dict[str, Any]:
    words = call.args.words("types") or ["public_channel"]
    if any(w not in TYPES for w in words):
        raise SlackError("invalid_types")
    kinds = {TYPES[w] for w in words}
    exclude_archived = call.args.flag("exclude_archived")
    limit = call.args.limit(100, LIST_PAGE)
    after = call.args.cursor("conversations") or 0
    found: dict[int, dict[str, Any]] = {}
    if "public" in kinds:
        for channel in channels.browse_channels(call.me, call.team.id):
            found[channel["id"]] = channel
    for channel in channels.list_my_channels(call.me, call.team.id):
        found[channel["id"]] = channel
    chosen = sorted((c for c in found.values() if c["kind"] in kinds and c["id"] > after
                     and not (exclude_archived and c["archived"])), key=lambda c: c["id"])
    more = len(chosen) > limit
    chosen = chosen[:limit]
    return {"channels": [conversation(c, call.team_id, other_user=_other(call, c) if c["kind"] == "dm" else None)
                         for c in chosen],
            **metadata(next_cursor("conversations", chosen[-1]["id"] if more else None))}


def _conversation(call: Call, channel_id: int, *, num_members: bool = False) -> dict[str, Any]:
    view = channels.get_channel(call.me, channel_id)
    payload = channel_view_payload(view)
    other = None
    people: list[dict[str, Any]] | None = None
    if payload["kind"] == "dm" or num_members:
        people = channels.list_channel_members(call.me, channel_id)
    if payload["kind"] == "dm" and people is not None:
        payload = {**payload, "members": people}
        other = _other(call, payload)
    data = conversation(payload, call.team_id, other_user=other)
    if num_members and people is not None:
        data["num_members"] = len(people)
    return data


@method("conversations.info")
def conversations_info(call: Call) -> dict[str, Any]:
    channel_id = call.args.conversation()
    return {"channel": _conversation(call, channel_id, num_members=call.args.flag("include_num_members"))}


@method("conversations.members")
def conversations_members(call: Call) -> dict[str, Any]:
    channel_id = call.args.conversation()
    limit = call.args.limit(100, LIST_PAGE)
    after = call.args.cursor("members") or 0
    ids = sorted(m["id"] for m in channels.list_channel_members(call.me, channel_id) if m["id"] > after)
    more = len(ids) > limit
    ids = ids[:limit]
    return {"members": [slack_ids.user_id(i) for i in ids],
            **metadata(next_cursor("members", ids[-1] if more else None))}


def _history_bound(call: Call, name: str) -> str | None:
    value = call.args.raw(name)
    if value is None or value == "":
        return None
    if not slack_ts.is_time(value):
        raise SlackError(f"invalid_ts_{name}")
    return str(value)


@method("conversations.history")
def conversations_history(call: Call) -> dict[str, Any]:
    channel_id = call.args.conversation()
    oldest, latest = _history_bound(call, "oldest"), _history_bound(call, "latest")
    inclusive = call.args.flag("inclusive")
    limit = call.args.limit(100, HISTORY_PAGE)
    cursor = call.args.cursor("history")
    bounds = slack_ts.bounds(call.me, channel_id, oldest=oldest, latest=latest, inclusive=inclusive)
    empty = {"messages": [], "has_more": False, "pin_count": 0, **metadata("")}
    if bounds is None:
        return empty
    after, before = bounds
    if cursor is not None:
        before = cursor if before is None else min(before, cursor)
    if after is not None and before is not None and before <= after + 1:
        return empty
    page = messages.history(call.me, channel_id, before=before, after=after, limit=limit, newest_first=True)
    found = page["messages"][::-1]  # Slack's order: newest first
    base = public_url()
    return {"messages": [message(m, call.team_id, base_url=base) for m in found], "has_more": page["has_more"],
            "pin_count": 0,
            **metadata(next_cursor("history", found[-1]["id"] if page["has_more"] and found else None))}


@method("conversations.replies", not_found="thread_not_found")
def conversations_replies(call: Call) -> dict[str, Any]:
    channel_id = call.args.conversation()
    ts = call.args.text("ts", required=True, error="thread_not_found")
    limit = call.args.limit(100, HISTORY_PAGE)
    after = call.args.cursor("replies")
    root_id = _message_id(call, channel_id, ts, error="thread_not_found")
    page = messages.thread(call.me, root_id, after=after, limit=limit)
    root = page["root"]
    root_ts = slack_ts.of_payload(root)
    replies = page["messages"]
    base = public_url()
    return {"messages": [message(root, call.team_id, base_url=base)]
            + [message(m, call.team_id, thread_ts=root_ts, base_url=base) for m in replies],
            "has_more": page["has_more"],
            **metadata(next_cursor("replies", replies[-1]["id"] if page["has_more"] and replies else None))}


@method("conversations.join", errors={"not_in_channel": "channel_not_found"})
def conversations_join(call: Call) -> dict[str, Any]:
    channel_id = call.args.conversation()
    try:
        already = channels.get_channel(call.me, channel_id).member is not None
    except NotFound:
        already = False
    if already:
        call.warnings.append("already_in_channel")
    else:
        channels.join_channel(call.me, channel_id)
    return {"channel": _conversation(call, channel_id)}


def _user_ids(call: Call, *, missing: str) -> list[int]:
    """The `users` argument (comma-separated U… ids) as our user ids; ``missing``: the error
    when there are none (Slack names it differently per method)."""
    words = call.args.words("users")
    if not words:
        raise SlackError(missing)
    ids = []
    for word in words:
        found = slack_ids.parse_id(word, slack_ids.SlackIdKind.user)
        if found is None:
            raise SlackError("user_not_found")
        ids.append(found)
    return ids


@method("conversations.open", not_found="user_not_found", errors={"invalid": "too_many_users"})
def conversations_open(call: Call) -> dict[str, Any]:
    if call.args.has("channel"):
        return {"channel": {"id": conversation_id(channel_view_payload(
            channels.get_channel(call.me, call.args.conversation())))}}
    ids = _user_ids(call, missing="users_list_not_supplied")
    view = channels.open_direct(call.me, call.team.id, ids)
    if call.args.flag("return_im"):
        return {"channel": _conversation(call, view.id)}
    return {"channel": {"id": conversation_id(channel_view_payload(view))}}


@method("conversations.create", errors={"invalid": "invalid_name"})
def conversations_create(call: Call) -> dict[str, Any]:
    name = call.args.text("name", required=True, error="invalid_name")
    view = channels.create_channel(call.me, call.team.id, name, private=call.args.flag("is_private"))
    return {"channel": conversation(channel_view_payload(view), call.team_id)}


@method("conversations.invite", not_found="channel_not_found")
def conversations_invite(call: Call) -> dict[str, Any]:
    channel_id = call.args.conversation()
    ids = _user_ids(call, missing="no_user")
    if call.me.id in ids:
        raise SlackError("cant_invite_self")
    present = {m["id"] for m in channels.list_channel_members(call.me, channel_id)}
    if set(ids) <= present:
        raise SlackError("already_in_channel")
    for user_id in ids:
        if user_id in present:
            continue
        try:
            channels.add_member(call.me, channel_id, user_id)
        except NotFound as err:
            if "user" in err.message:
                raise SlackError("user_not_found") from None
            raise
    return {"channel": _conversation(call, channel_id)}


@method("conversations.setTopic", errors={"invalid": "too_long", "not_channel_manager": "restricted_action"})
def conversations_set_topic(call: Call) -> dict[str, Any]:
    channel_id = call.args.conversation()
    topic = call.args.text("topic") or ""
    channels.update_channel(call.me, channel_id, {"topic": topic})
    return {"channel": _conversation(call, channel_id)}


# --- messages ------------------------------------------------------------------------------------

def _message_id(call: Call, channel_id: int, ts: Any, *, error: str = "message_not_found") -> int:
    try:
        found = slack_ts.message_id(call.me, channel_id, ts)
    except NotFound:
        raise SlackError("channel_not_found") from None
    if found is None:
        raise SlackError(error)
    return found


def _post_target(call: Call, value: Any) -> int:
    """Where to post (chat.postMessage's ``channel``): a conversation id, a user id (their direct
    conversation with the caller, as Slack opens it) or a channel name (``general`` or ``#general``)."""
    parsed = slack_ids.parse(value, *slack_ids.CONVERSATION_KINDS, slack_ids.SlackIdKind.user)
    if parsed is not None:
        kind, found = parsed
        if kind != slack_ids.SlackIdKind.user:
            return found
        try:
            return channels.open_direct(call.me, call.team.id, [found]).id
        except NotFound:
            raise SlackError("channel_not_found") from None
    if isinstance(value, str) and value.strip():
        name = value.strip().removeprefix("#")
        for channel in channels.list_my_channels(call.me, call.team.id):
            if channel["name"] == name:
                return int(channel["id"])
    raise SlackError("channel_not_found")


def _text(call: Call) -> str:
    text = call.args.text("text") or ""
    if not text.strip():
        raise SlackError("no_text")
    if len(text) > limits.MESSAGE_LENGTH:
        raise SlackError("msg_too_long")
    return text


def _thread_ts(call: Call, payload: dict[str, Any]) -> str | None:
    root = payload["thread_root_id"]
    return slack_ts.timestamps({root}).get(root) if root is not None else None


def _payload_error(err: SlackPayloadError) -> SlackError:
    """A payload Slack would refuse, in Slack's words (``invalid_blocks``, ``msg_too_long``...)."""
    error = "invalid_arguments" if err.code == "invalid_payload" else err.code
    where = f"{err.field}: " if err.field else ""
    return SlackError(error, message=f"{where}{err.message}")


def _json_arg(call: Call, name: str) -> Any:
    """``blocks``/``attachments``: an array in a JSON body, a JSON string in a form (as slack_sdk
    sends them)."""
    value = call.args.raw(name)
    if isinstance(value, str):
        try:
            return parse_json(value)
        except Invalid:
            raise SlackError(f"invalid_{name}", message=f"{name} must be a JSON array") from None
    return value


def _has_content(call: Call) -> bool:
    return any(call.args.raw(name) not in (None, "") for name in CONTENT_ARGS)


def _content(call: Call, display: dict[str, Any]) -> MessageContent:
    """The call's text, blocks and attachments as Slack content (the text is the fallback), with
    the display overrides ``display``; Slack's errors for what Slack would refuse."""
    text = call.args.text("text")
    data: dict[str, Any] = {"text": text or None}
    for name in CONTENT_ARGS:
        if call.args.raw(name) not in (None, ""):
            data[name] = _json_arg(call, name)
    if call.args.raw("mrkdwn") is not None:
        data["mrkdwn"] = call.args.flag("mrkdwn", default=True)
    try:
        return MessageContent.slack(data, **display)
    except SlackPayloadError as err:
        raise _payload_error(err) from None


def _posted(call: Call, channel_id: int) -> tuple[MessageContent | None, str | None, int | None]:
    """What chat.postMessage and chat.postEphemeral post: integration content (blocks,
    attachments, overrides) or plain text, and the thread (``thread_ts``) it goes to."""
    # The same rule as incoming webhooks: the workspace's webhook_overrides, else ignored.
    display, ignored = requested_overrides(call.args.values, allowed=call.team.workspace.webhook_overrides)
    if ignored:
        call.warnings.append("message_overrides_not_supported")
    content = _content(call, display) if display or _has_content(call) else None
    text = None if content is not None else _text(call)
    root_id = None
    thread_ts = call.args.text("thread_ts")
    if thread_ts:
        root_id = _message_id(call, channel_id, thread_ts, error="thread_not_found")
        # A reply's ts stands for its thread, as in Slack.
        root_id = messages.get_message(call.me, root_id)["thread_root_id"] or root_id
    return content, text, root_id


@method("chat.postMessage")
def chat_post_message(call: Call) -> dict[str, Any]:
    channel_id = _post_target(call, call.args.raw("channel"))
    content, text, root_id = _posted(call, channel_id)
    if call.args.flag("reply_broadcast"):
        call.warnings.append("reply_broadcast_not_supported")
    ratelimits.for_person("RATE_LIMIT_SENDS", call.me.id)
    try:
        payload, _ = messages.send_message(call.me, channel_id, text, thread_root_id=root_id, content=content)
    except NotFound as err:
        if err.code == "not_found" and channels.can_join(call.me, channel_id):
            raise SlackError("not_in_channel") from None
        raise
    return {"channel": _conversation_id_of(call, payload), "ts": slack_ts.of_payload(payload),
            "message": message(payload, call.team_id, thread_ts=_thread_ts(call, payload))}


def _conversation_id_of(call: Call, payload: dict[str, Any]) -> str:
    view = channels.get_channel(call.me, payload["channel_id"])
    return conversation_id(channel_view_payload(view))


@method("chat.update", not_found="message_not_found", errors={"not_author": "cant_update_message"})
def chat_update(call: Call) -> dict[str, Any]:
    channel_id = call.args.conversation()
    ts = call.args.text("ts", required=True, error="message_not_found")
    message_id = _message_id(call, channel_id, ts)
    try:
        if _has_content(call):
            # New blocks or attachments; the message keeps how its poster is shown.
            old = messages.get_message(call.me, message_id).get("props") or {}
            content = _content(call, {name: old[name] for name in OVERRIDES if old.get(name)})
            payload = messages.edit_message(call.me, message_id, None, content=content)
        else:
            # Text only: a message with blocks or attachments keeps them, as in Slack.
            payload = messages.edit_message(call.me, message_id, _text(call))
    except SlackPayloadError as err:
        raise _payload_error(err) from None
    shaped = message(payload, call.team_id, thread_ts=_thread_ts(call, payload))
    return {"channel": _conversation_id_of(call, payload), "ts": slack_ts.of_payload(payload),
            "text": shaped["text"], "message": shaped}


@method("chat.delete", not_found="message_not_found", errors={"not_author": "cant_delete_message"})
def chat_delete(call: Call) -> dict[str, Any]:
    channel_id = call.args.conversation()
    ts = call.args.text("ts", required=True, error="message_not_found")
    messages.delete_message(call.me, _message_id(call, channel_id, ts))
    return {"channel": conversation_id(channel_view_payload(channels.get_channel(call.me, channel_id))), "ts": ts}


@method("chat.getPermalink", not_found="message_not_found")
def chat_get_permalink(call: Call) -> dict[str, Any]:
    channel_id = call.args.conversation()
    ts = call.args.text("message_ts", required=True, error="message_not_found")
    _message_id(call, channel_id, ts)
    # The web client opens a channel from the address's hash; it has no link to one message yet.
    return {"channel": conversation_id(channel_view_payload(channels.get_channel(call.me, channel_id))),
            "permalink": f"{public_url()}/#w={call.team.id}&c={channel_id}"}


@method("chat.postEphemeral", errors={"user_not_in_channel": "user_not_in_channel"})
def chat_post_ephemeral(call: Call) -> dict[str, Any]:
    """Show ``user`` a message in ``channel`` that nobody else sees and nothing keeps."""
    channel_id = _post_target(call, call.args.raw("channel"))
    user_id = call.args.user(error="user_not_found")
    content, text, root_id = _posted(call, channel_id)
    ratelimits.for_person("RATE_LIMIT_SENDS", call.me.id)
    try:
        shown = messages.post_ephemeral(call.me, channel_id, user_id, text, content=content, thread_root_id=root_id)
    except NotFound as err:
        if err.code == "not_found" and channels.can_join(call.me, channel_id):
            raise SlackError("not_in_channel") from None
        raise
    return {"message_ts": shown["ts"]}


# --- reactions and pins --------------------------------------------------------------------------

def _reaction_target(call: Call) -> tuple[int, dict[str, Any]]:
    if call.args.has("file") or call.args.has("file_comment"):
        raise invalid("reactions on files are not supported; give channel and timestamp")
    channel_id = call.args.conversation()
    ts = call.args.text("timestamp", required=True, error="message_not_found")
    message_id = _message_id(call, channel_id, ts)
    return message_id, messages.get_message(call.me, message_id)


def _emoji(call: Call) -> str:
    name = call.args.text("name", required=True, error="invalid_name")
    assert name is not None
    return slack_emoji.to_stored(name)


def _reacted(payload: dict[str, Any], emoji: str, user_id: int) -> bool:
    return any(r["emoji"] == emoji and user_id in r["user_ids"] for r in payload["reactions"])


@method("reactions.add", not_found="message_not_found", errors={"invalid": "invalid_name"})
def reactions_add(call: Call) -> dict[str, Any]:
    emoji = _emoji(call)
    message_id, payload = _reaction_target(call)
    if _reacted(payload, emoji, call.me.id):
        raise SlackError("already_reacted")
    messages.react(call.me, message_id, emoji, add=True)
    return {}


@method("reactions.remove", not_found="message_not_found", errors={"invalid": "invalid_name"})
def reactions_remove(call: Call) -> dict[str, Any]:
    emoji = _emoji(call)
    message_id, payload = _reaction_target(call)
    if not _reacted(payload, emoji, call.me.id):
        raise SlackError("no_reaction")
    messages.react(call.me, message_id, emoji, add=False)
    return {}


@method("reactions.get", not_found="message_not_found")
def reactions_get(call: Call) -> dict[str, Any]:
    _, payload = _reaction_target(call)
    return {"type": "message", "channel": _conversation_id_of(call, payload),
            "message": message(payload, call.team_id, thread_ts=_thread_ts(call, payload))}


@method("pins.add", not_found="message_not_found")
def pins_add(call: Call) -> dict[str, Any]:
    message_id, payload = _reaction_target(call)
    if payload["pinned"]:
        raise SlackError("already_pinned")
    messages.set_pinned(call.me, message_id, True)
    return {}


@method("pins.remove", not_found="message_not_found")
def pins_remove(call: Call) -> dict[str, Any]:
    message_id, payload = _reaction_target(call)
    if not payload["pinned"]:
        raise SlackError("no_pin")
    messages.set_pinned(call.me, message_id, False)
    return {}


# --- files ---------------------------------------------------------------------------------------

ALT_TXT_LENGTH = 1000  # Slack's limit on an image's description (alt_txt_too_large)


def _public_id(value: Any) -> str:
    """A file's Slack id (``F`` and our public id) as our public id; file_not_found otherwise."""
    if isinstance(value, str) and value.startswith("F") and 1 < len(value) <= limits.FILE_ID_LENGTH + 1:
        return value[1:]
    raise SlackError("file_not_found")


def _file(call: Call, payload: dict[str, Any], shared_by: dict[str, Any] | None) -> dict[str, Any]:
    """A file payload as Slack's file object, with the message that shared it, if any."""
    share = None
    if shared_by is not None:
        share = FileShare(channel_view_payload(channels.get_channel(call.me, shared_by["channel_id"])),
                          slack_ts.of_payload(shared_by), _thread_ts(call, shared_by), shared_by["reply_count"])
    return file(payload, call.team_id, public_url(), share=share)


@method("files.getUploadURLExternal", errors={"file_too_large": "file_upload_size_restricted"})
def files_get_upload_url_external(call: Call) -> dict[str, Any]:
    name = call.args.text("filename", required=True)
    length = call.args.count("length")
    if length is None:
        raise invalid("length is required: the file's size in bytes")
    if len(call.args.text("alt_txt") or "") > ALT_TXT_LENGTH:
        raise SlackError("alt_txt_too_large")
    call.args.text("snippet_type")  # taken, not used: a snippet is shown as the file it is
    ticket, public_id = files.start_upload(call.me, call.team.id, name, length)
    return {"upload_url": f"{public_url()}{files.UPLOAD_URL_PATH}/{ticket}", "file_id": file_id(public_id)}


def _uploads(call: Call) -> list[tuple[str, Any]]:
    """completeUploadExternal's ``files``: a JSON array of ``{"id": "F…", "title": "…"}`` (a JSON
    string in a form, as slack_sdk sends it), as (public id, title) pairs."""
    value = call.args.raw("files")
    if isinstance(value, str) and value.strip():
        try:
            value = parse_json(value.encode())
        except Invalid:
            raise invalid("files must be a JSON array of {\"id\": \"F...\", \"title\": \"...\"}") from None
    if not isinstance(value, list) or not value:
        raise invalid("files is required: a JSON array of {\"id\": \"F...\", \"title\": \"...\"}")
    out = []
    for i, entry in enumerate(value):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise invalid(f"files[{i}] must be an object with the file's id")
        title = entry.get("title")
        if title is not None and not isinstance(title, str):
            raise invalid(f"files[{i}].title must be a string")
        out.append((_public_id(entry["id"]), title))
    return out


def _share_target(call: Call) -> int | None:
    """completeUploadExternal's conversation: ``channel_id``, or ``channels`` naming one (we share
    a file in one message, so in one conversation); None: the files stay private."""
    one = call.args.text("channel_id")
    several = call.args.words("channels")
    if len(several) > 1:
        raise invalid("files are shared in one conversation at a time: give one channel_id")
    if one and several and several[0] != one:
        raise invalid("channel_id and channels name different conversations")
    value = one or (several[0] if several else None)
    return _post_target(call, value) if value else None


@method("files.completeUploadExternal", errors={"file_not_found": "file_not_found",
                                                "file_already_sent": "file_not_found"})
def files_complete_upload_external(call: Call) -> dict[str, Any]:
    uploads = _uploads(call)
    channel_id = _share_target(call)
    comment = call.args.text("initial_comment") or ""
    if len(comment) > limits.MESSAGE_LENGTH:
        raise SlackError("msg_too_long")
    root_id = None
    thread_ts = call.args.text("thread_ts")
    if thread_ts:
        if channel_id is None:
            raise invalid("thread_ts needs the channel_id of its conversation")
        root_id = _message_id(call, channel_id, thread_ts, error="thread_not_found")
        root_id = messages.get_message(call.me, root_id)["thread_root_id"] or root_id
    if channel_id is not None:
        ratelimits.for_person("RATE_LIMIT_SENDS", call.me.id)
    try:
        shared, sent = files.complete_upload(call.me, call.team.id, uploads, channel_id=channel_id, body=comment,
                                             thread_root_id=root_id)
    except NotFound as err:
        if channel_id is not None and err.code == "not_found" and channels.can_join(call.me, channel_id):
            raise SlackError("not_in_channel") from None
        raise
    return {"files": [_file(call, f, sent) for f in shared]}


@method("files.info", not_found="file_not_found")
def files_info(call: Call) -> dict[str, Any]:
    payload = files.get_file(call.me, _public_id(call.args.raw("file")))
    if payload["workspace_id"] != call.team.id:  # a person's file of another of their workspaces
        raise SlackError("file_not_found")
    shared_by = messages.get_message(call.me, payload["message_id"]) if payload["message_id"] else None
    return {"file": _file(call, payload, shared_by), "comments": [], "response_metadata": {"next_cursor": ""}}
