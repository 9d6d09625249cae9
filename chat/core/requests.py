"""Typed requests: what each door takes, declared once.

Every JSON request body, query string and socket event payload is parsed into one of the
pydantic models below at its door, before any service runs (``parse``); the door then hands the
model's plain values (ints, strings, lists, a dict of changes) to one service function, whose
signature stays what it was. The OpenAPI document (chat/api/openapi.py) is generated from the
same models, so a limit or a shape is written once.

Each field is a ``Check``: a function of core/validation.py that returns the plain value or
raises Invalid, with the JSON Schema of exactly what it accepts, both built from core/limits.py.
The services call the same functions (other callers, such as the command line, reach them
without a door), so a request refused here gets the code, message and field the service would
have answered. Fields are checked in the order they are declared, and the first one at fault
answers, as a service's checks one after another did; a missing required field answers as if
it had been sent as null.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from flask import current_app
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from chat.core import limits
from chat.core.errors import ChatError, Invalid
from chat.core.validation import (
    CHANNEL_NAME_INPUT_PATTERN,
    CLIENT_MSG_ID_PATTERN,
    COMMAND_NAME_PATTERN,
    EMAIL_PATTERN,
    EMOJI_PATTERN,
    EMOJI_SHORTCODE_PATTERN,
    FILE_ID_PATTERN,
    HTTP_URL_PATTERN,
    INTEGRATION_KIND_PATTERN,
    TRIGGER_WORD_PATTERN,
    USER_ID_LIST_PATTERN,
    USERNAME_INPUT_PATTERN,
    check_bool,
    check_channel_name,
    check_client_msg_id,
    check_command_name,
    check_cursor,
    check_email,
    check_emoji,
    check_file_ids,
    check_http_url,
    check_http_urls,
    check_id,
    check_id_list,
    check_id_set,
    check_integration_kind,
    check_invite_hours,
    check_limit,
    check_max_file_size,
    check_message_body,
    check_one_of,
    check_password,
    check_query_int,
    check_text,
    check_trigger_words,
    check_user_id_list,
    check_username,
    text_pattern,
)

# The enums whose values some fields take (roles, file kinds): the models define them once.
from chat.models import FileKind, HookContentType, Role, TriggerWhen

Schema = dict[str, Any]

# --- JSON Schema pieces (also used for the response schemas of the API document) ---------------

ID: Schema = {"type": "integer", "minimum": 1, "maximum": limits.MAX_ID}
COUNT: Schema = {"type": "integer", "minimum": 0, "maximum": limits.MAX_ID}
BOOLEAN: Schema = {"type": "boolean"}
LINE_RULE = ("One line: control characters and invisible or text-direction characters (Unicode format "
             "characters such as U+202E or U+200B, U+2028/U+2029) are refused, except joiners between "
             "visible characters and flag tags.")


def nullable(schema: Schema) -> Schema:
    if "$ref" in schema or "type" not in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def described(schema: Schema, description: str | None) -> Schema:
    return {**schema, "description": description} if description else schema


def text_schema(min_length: int, max_length: int, description: str | None = None, *,
                multiline: bool = False) -> Schema:
    """Text as check_text leaves it (responses): no control characters (tab, newline and
    carriage return only when multi-line; one line also refuses hidden characters), and
    something besides whitespace unless it may be empty."""
    return described({"type": "string", "minLength": min_length, "maxLength": max_length,
                      "pattern": text_pattern(allow_empty=min_length == 0, multiline=multiline)}, description)


def input_text_schema(min_length: int, max_length: int, description: str | None = None, *,
                      multiline: bool = False) -> Schema:
    """Text as check_text takes it (requests): the same characters as text_schema, and at most
    ``max_length`` of them once the whitespace around them is stripped, which only the pattern
    can say (a maxLength would refuse " name " at the limit, which the server takes)."""
    length = f"At most {max_length:,} characters, not counting whitespace around them (it is stripped)."
    return {"type": "string",
            "pattern": text_pattern(allow_empty=min_length == 0, multiline=multiline, max_length=max_length),
            "description": f"{description}. {length}" if description else length}


def line_schema(min_length: int, max_length: int, description: str | None = None) -> Schema:
    """Single-line text as check_text takes it (docs/api.md, "Text"), the rule spelled out."""
    schema = input_text_schema(min_length, max_length, description)
    return {**schema, "description": f"{schema['description']} {LINE_RULE}"}


# --- fields -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Check:
    """A field's rule. ``fn(value, field)`` returns the plain value or raises a ChatError
    (Invalid); with ``sees_fields``, ``fn(value, field, fields)`` also gets the fields declared
    before it, already checked. ``schema`` is the JSON Schema of what ``fn`` accepts, or a
    function that makes it when the document is built (in the app's context), for a rule that
    depends on the server's settings."""

    fn: Callable[..., Any]
    schema: Schema | Callable[[], Schema]
    sees_fields: bool = False

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        fn, sees_fields = self.fn, self.sees_fields

        def validate(value: Any, info: core_schema.ValidationInfo) -> Any:
            try:
                return fn(value, info.field_name, info.data) if sees_fields else fn(value, info.field_name)
            except ChatError as err:
                raise PydanticCustomError(err.code, "{message}", {"message": err.message, "error": err}) from None
        return core_schema.with_info_plain_validator_function(validate)

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema, handler: Any) -> JsonSchemaValue:
        return copy.deepcopy(self.schema() if callable(self.schema) else self.schema)


def optional(fn: Callable[[Any, str], Any]) -> Callable[[Any, str], Any]:
    """``fn`` that lets null through (as None)."""
    return lambda value, field: None if value is None else fn(value, field)


# The helpers below build a field's Check, written in its annotation as ``Annotated[type, check]``:
# the type is what the model holds (``| None`` where an absent field is None), the Check what
# it takes. A PATCH body's fields (``Changes``) are None only while absent: null sent for one is
# checked like any other value.

def line(max_length: int, *, min_length: int = 1, description: str | None = None, null: bool = False) -> Check:
    """Single-line text (names, topics): check_text, stripped and NFC-normalised; with ``null``,
    null is taken too (as None)."""
    def fn(value: Any, field: str) -> str:
        return check_text(value, field, max_length=max_length, allow_empty=min_length == 0)
    schema = line_schema(min_length, max_length, description)
    return Check(optional(fn), nullable(schema)) if null else Check(fn, schema)


def one_of(choices: Iterable[str], description: str | None = None) -> Check:
    """One of ``choices``, spelled exactly (an Enum's values, or query flags)."""
    names = [getattr(c, "value", c) for c in choices]
    return Check(lambda value, field: check_one_of(value, field, names),
                 described({"type": "string", "enum": names}, description))


ID_CHECK = Check(check_id, ID)
FLAG_CHECK = Check(check_bool, BOOLEAN)
Id = Annotated[int, ID_CHECK]
OptionalId = Annotated[int | None, Check(optional(check_id), nullable(ID))]
Flag = Annotated[bool, FLAG_CHECK]
FlagChange = Annotated[bool | None, FLAG_CHECK]  # a Changes field: None while absent
OptionalFlag = Annotated[bool | None, Check(optional(check_bool), nullable(BOOLEAN))]

MESSAGE_BODY_RULE = ("Markdown source, NFC-normalised. Tab, newline and carriage return are the only control "
                     "characters allowed")
MessageBody = Annotated[str, Check(lambda value, field: check_message_body(value),
                                   input_text_schema(1, limits.MESSAGE_LENGTH, MESSAGE_BODY_RULE, multiline=True))]
CLIENT_MSG_ID: Schema = {"type": "string", "pattern": CLIENT_MSG_ID_PATTERN,
                         "description": "Your own id for this send (for example a UUID). Unique per "
                                        "person: a retry with the same value returns the stored original."}
FILE_ID: Schema = {"type": "string", "pattern": FILE_ID_PATTERN,
                   "description": "a file's id (unguessable; from its `id` field)"}
# No whitespace at all in an emoji: the length as sent is the length checked.
EMOJI: Schema = {**text_schema(1, limits.EMOJI_LENGTH, LINE_RULE), "pattern": EMOJI_PATTERN}


# Query strings: every value arrives as text (absent: the field's default, not checked).

def query_int(*, minimum: int = 1, then: Callable[[int | None, str], Any] | None = None, **schema: Any) -> Check:
    """An integer in ASCII decimal digits from ``minimum`` to 2^63-1 (by default an id), then
    ``then`` (a narrower check) if given."""
    def fn(raw: Any, field: str) -> int | None:
        value = check_query_int(raw, field, minimum=minimum)
        return then(value, field) if then is not None else value
    return Check(fn, {"type": "integer", "minimum": minimum, "maximum": limits.MAX_ID, **schema})


def page_size(page: limits.Page) -> Check:
    """A query's ``limit``: absent means ``page.default`` (the service's), at most ``page.maximum``."""
    return query_int(then=lambda value, field: check_limit(value, page), maximum=page.maximum,
                     default=page.default, description=f"page size, 1 to {page.maximum} (default {page.default})")


def query_flag(choices: tuple[str, ...], truthy: tuple[str, ...], description: str) -> Check:
    """A yes/no query parameter spelled one of ``choices``, as a bool: whether it is one of
    ``truthy``. Absent is False: give the field ``Field(None, validate_default=True)``."""
    return Check(lambda raw, field: raw is not None and check_one_of(raw, field, choices) in truthy,
                 {"type": "string", "enum": list(choices), "description": description})


QueryId = Annotated[int | None, query_int()]  # None while absent


# --- models -------------------------------------------------------------------------------------

class Request(BaseModel):
    """A request body, query string or event payload, checked. Fields it does not name are
    ignored (clients may send more than a route reads)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Changes(Request):
    """A PATCH body: only the fields sent change (``changes()``), at least one.

    Fields the model does not name are kept and handed on with the rest: the service refuses
    them, and an empty body, only after it has checked that the actor may see the thing at
    all, so that someone outside learns nothing (404, not 400). The document says so
    (``additionalProperties: false``, ``minProperties: 1``)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": False,
                                                                "minProperties": 1})

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


M = TypeVar("M", bound=Request)


def parse(model: type[M], data: dict[str, Any]) -> M:
    """``data`` (a decoded JSON object, or a query string's values) as ``model``, or the
    ChatError of its first field at fault."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise _error(model, err.errors(include_url=False, include_input=False)[0]) from None


def _error(model: type[Request], error: Any) -> ChatError:
    if "error" in error.get("ctx", {}):
        return error["ctx"]["error"]
    name = str(error["loc"][0]) if error["loc"] else None
    if error["type"] == "missing" and name in model.model_fields:
        # Absent answers as null does (the doors used to read data.get(name)).
        for rule in model.model_fields[name].metadata:
            if isinstance(rule, Check):
                try:
                    rule.fn(None, name, {}) if rule.sees_fields else rule.fn(None, name)
                except ChatError as err:
                    return err
        return Invalid(f"{name} is required", field=name)
    return Invalid(f"{name}: {error['msg']}" if name else error["msg"], field=name)


class _Generator(GenerateJsonSchema):
    """Schemas without generated titles, and without ``default: null`` (an absent optional
    field is simply absent; where the absence means a value, the field's schema says which)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        if schema.get("default") is None:
            return self.generate_inner(schema["schema"])
        return super().default_schema(schema)


def json_schema(model: type[Request]) -> Schema:
    """The JSON Schema of what ``model`` accepts (OpenAPI 3.1 takes JSON Schema as it is)."""
    schema = model.model_json_schema(schema_generator=_Generator, ref_template="#/components/schemas/{model}")
    schema.pop("title", None)
    if model.__doc__:
        schema["description"] = " ".join(model.__doc__.split())
    return schema


# --- accounts -----------------------------------------------------------------------------------

def _credential(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise Invalid("email and password are required")
    return value


# Not "format": "email": the server takes what EMAIL_PATTERN says, a looser rule than RFC 5321's.
Email = Annotated[str, Check(check_email, {"type": "string", "maxLength": limits.EMAIL_LENGTH,
                                           "pattern": EMAIL_PATTERN})]
Password = Annotated[str, Check(check_password, {"type": "string", "minLength": limits.PASSWORD_LENGTH[0],
                                                 "maxLength": limits.PASSWORD_LENGTH[1]})]
Username = Annotated[str | None, Check(optional(check_username), nullable(
    {"type": "string", "minLength": limits.USERNAME_LENGTH[0], "maxLength": limits.USERNAME_LENGTH[1],
     "pattern": USERNAME_INPUT_PATTERN}))]
TOKEN_NAME = "a label to recognise the token by"


class SignUp(Request):
    email: Email = Field(description="stored lower-case; must be unused")
    password: Password
    display_name: Annotated[str, line(limits.NAME_LENGTH)]
    username: Username = Field(None, description=(
        f"the @handle: {limits.USERNAME_LENGTH[0]}-{limits.USERNAME_LENGTH[1]} letters, digits or _.- "
        "starting with a letter or digit, stored lower-case. Derived from the email when omitted."))


class SignIn(Request):
    email: Annotated[str, Check(_credential, {"type": "string"})]
    password: Annotated[str, Check(_credential, {"type": "string"})]
    name: Annotated[str, line(limits.NAME_LENGTH, description=TOKEN_NAME)] = Field("API token")


class UpdateMe(Request):
    display_name: Annotated[str | None, line(limits.NAME_LENGTH, description="omitted or null: unchanged",
                                              null=True)] = None


class ChangePassword(Request):
    # Any current_password the service does not match, absent or not a string included, is
    # 403 wrong_password (a wrong guess), not 400: it is passed on as it came.
    model_config = ConfigDict(json_schema_extra={"required": ["current_password", "new_password"]})

    current_password: Annotated[Any, Check(lambda value, field: value, {"type": "string"})] = None
    new_password: Password


class CreateToken(Request):
    name: Annotated[str, line(limits.NAME_LENGTH, description=TOKEN_NAME)]


# --- bots -------------------------------------------------------------------------------------

HTTP_URL: Schema = {"type": "string", "maxLength": limits.URL_LENGTH, "pattern": HTTP_URL_PATTERN}
IconUrl = Annotated[str | None, Check(optional(check_http_url), nullable(
    {**HTTP_URL, "description": "an http(s) URL of the bot's picture; null: none"}))]
BOT_DESCRIPTION = line(limits.BOT_DESCRIPTION_LENGTH, min_length=0, description="what the bot does")


class CreateBot(Request):
    name: Annotated[str, line(limits.NAME_LENGTH, description="the bot's display name")]
    handle: Username = Field(None, description=(
        f"its @username: {limits.USERNAME_LENGTH[0]}-{limits.USERNAME_LENGTH[1]} letters, digits or _.- "
        "starting with a letter or digit, stored lower-case; unique. Made from the name when omitted."))
    description: Annotated[str, BOT_DESCRIPTION] = ""
    icon_url: IconUrl = None
    ignore_bots: Flag = Field(True, description="not sent other bots' messages (default true), so two bots "
                                                "never answer each other forever")


def _check_events_url(value: Any, field: str) -> str | None:
    return None if value is None or value == "" else check_http_url(value, field)


EventsUrl = Annotated[str | None, Check(_check_events_url, {
    "anyOf": [HTTP_URL, {"type": "string", "maxLength": 0}, {"type": "null"}],
    "description": "where the bot's Events API requests go: an http(s) URL that answers Slack's "
                   "url_verification handshake (docs/integrations.md); empty or null: none"})]


class UpdateBot(Changes):
    display_name: Annotated[str | None, line(limits.NAME_LENGTH)] = None
    description: Annotated[str | None, BOT_DESCRIPTION] = None
    icon_url: IconUrl = None
    ignore_bots: FlagChange = None
    events_url: EventsUrl = None


# --- incoming webhooks --------------------------------------------------------------------------

WebhookIcon = Annotated[str | None, Check(optional(check_http_url), nullable(
    {**HTTP_URL, "description": "an http(s) URL of the picture its posts show; null: none"}))]


class CreateWebhook(Request):
    channel_id: Annotated[int, Check(check_id, {**ID, "description": "a channel of the workspace you may post in"})]
    name: Annotated[str, line(limits.NAME_LENGTH, description="the name its posts show (its bot's name)")]
    icon_url: WebhookIcon = None


class UpdateWebhook(Changes):
    name: Annotated[str | None, line(limits.NAME_LENGTH)] = None
    icon_url: WebhookIcon = None


# --- slash commands -----------------------------------------------------------------------------

COMMAND_NAME_RULE = (f"a `/` (optional here) and 1 to {limits.COMMAND_NAME_LENGTH} letters, digits, `-` or `_`, "
                     "starting with a letter or digit; stored lower-case")
CommandName = Annotated[str, Check(check_command_name, {"type": "string", "pattern": COMMAND_NAME_PATTERN,
                                                        "description": COMMAND_NAME_RULE})]
CommandUrl = Annotated[str, Check(check_http_url, {**HTTP_URL, "description": "where the command's requests are "
                                                                              "POSTed (Slack's form, signed)"})]
COMMAND_DESCRIPTION = line(limits.COMMAND_DESCRIPTION_LENGTH, min_length=0,
                           description="what the command does (shown by `/help` and the composer)")
USAGE_HINT = line(limits.COMMAND_USAGE_HINT_LENGTH, min_length=0,
                  description="what to type after it, such as `[environment]`")
AppBotId = Annotated[int | None, Check(optional(check_id), nullable(
    {**ID, "description": "a bot of the workspace whose signing secret signs the command's requests (one Slack "
                          "app, one secret); null: the command's own"}))]


class CreateSlashCommand(Request):
    name: CommandName
    url: CommandUrl
    description: Annotated[str, COMMAND_DESCRIPTION] = ""
    usage_hint: Annotated[str, USAGE_HINT] = ""
    app_bot_id: AppBotId = None


class UpdateSlashCommand(Changes):
    name: Annotated[str | None, CommandName] = None
    url: Annotated[str | None, CommandUrl] = None
    description: Annotated[str | None, COMMAND_DESCRIPTION] = None
    usage_hint: Annotated[str | None, USAGE_HINT] = None
    app_bot_id: AppBotId = None


def _command_text(value: Any, field: str) -> str:
    return check_text(value, field, max_length=limits.COMMAND_TEXT_LENGTH,
                      allow_empty=True, multiline=True)


class RunCommand(Request):
    command: Annotated[str, Check(check_command_name, {
        "type": "string", "pattern": COMMAND_NAME_PATTERN,
        "description": "the command as typed, such as `/deploy` (an unknown one shows you Slack's "
                       "\"is not a valid command\" note)"})]
    text: Annotated[str, Check(_command_text, input_text_schema(
        0, limits.COMMAND_TEXT_LENGTH, "what follows the command's name", multiline=True))] = ""
    thread_root_id: Annotated[int | None, Check(optional(check_id), nullable(
        {**ID, "description": "run it in this thread: its answers go there"}))] = None


# --- deliveries to integrations -----------------------------------------------------------------

INTEGRATION_KIND: Schema = {"type": "string", "pattern": INTEGRATION_KIND_PATTERN}
IntegrationKind = Annotated[str | None, Check(check_integration_kind, {
    **INTEGRATION_KIND, "description": "only deliveries to this kind of integration (e.g. `events_api`, "
                                       "bots' Events API requests)"})]


class DeliveriesQuery(Request):
    kind: IntegrationKind = None
    integration_id: QueryId = Field(None, description="only this integration's deliveries (give `kind` too: "
                                                      "each kind numbers its integrations, e.g. a bot's id)")
    before: QueryId = Field(None, description="a delivery id from the previous page: the deliveries older than it")
    limit: Annotated[int | None, page_size(limits.DELIVERIES_PAGE)] = None

# --- outgoing webhooks -------------------------------------------------------------------------

def _hook_channels(value: Any, field: str) -> list[int]:
    return check_id_set(value, field, max_items=limits.OUTGOING_WEBHOOK_CHANNELS)


def _callback_urls(value: Any, field: str) -> list[str]:
    return check_http_urls(value, field, max_items=limits.OUTGOING_WEBHOOK_URLS)


HOOK_CHANNELS = Check(_hook_channels, {
    "type": "array", "items": ID, "maxItems": limits.OUTGOING_WEBHOOK_CHANNELS,
    "description": "channels of the workspace you may read that it watches (repeats count once); empty: any "
                   "public channel, which needs trigger_words"})
TRIGGER_WORDS = Check(check_trigger_words, {
    "type": "array", "maxItems": limits.TRIGGER_WORDS,
    "items": {"type": "string", "pattern": TRIGGER_WORD_PATTERN, "maxLength": limits.TRIGGER_WORD_LENGTH},
    "description": "words a message's first word must match (case aside; see trigger_when); empty: every "
                   "message of its channels"})
TRIGGER_WHEN = one_of(TriggerWhen, "first_word: the first word is a trigger word; starts_with: it starts with one")
CALLBACK_URLS = Check(_callback_urls, {
    "type": "array", "items": HTTP_URL, "minItems": 1, "maxItems": limits.OUTGOING_WEBHOOK_URLS,
    "description": "where matching messages are POSTed (each gets every request)"})
HOOK_CONTENT_TYPE = one_of(HookContentType, "how its requests are encoded")
HOOK_DESCRIPTION = line(limits.BOT_DESCRIPTION_LENGTH, min_length=0, description="what the hook is for")
HOOK_IGNORE_BOTS = "not sent bots' messages (default true; never its own), so it cannot answer a bot forever"


class CreateOutgoingWebhook(Request):
    """Channels, trigger words, or both."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": ["channel_ids"], "properties": {"channel_ids": {"minItems": 1}}},
        {"required": ["trigger_words"], "properties": {"trigger_words": {"minItems": 1}}}]})

    name: Annotated[str, line(limits.NAME_LENGTH, description="the name its replies show (its bot's name)")]
    callback_urls: Annotated[list[str], CALLBACK_URLS]
    channel_ids: Annotated[list[int], HOOK_CHANNELS] = Field(default_factory=list)
    trigger_words: Annotated[list[str], TRIGGER_WORDS] = Field(default_factory=list)
    trigger_when: Annotated[str, TRIGGER_WHEN] = TriggerWhen.first_word.value
    content_type: Annotated[str, HOOK_CONTENT_TYPE] = HookContentType.json.value
    description: Annotated[str, HOOK_DESCRIPTION] = ""
    icon_url: WebhookIcon = None
    ignore_bots: Flag = Field(True, description=HOOK_IGNORE_BOTS)


class UpdateOutgoingWebhook(Changes):
    name: Annotated[str | None, line(limits.NAME_LENGTH)] = None
    callback_urls: Annotated[list[str] | None, CALLBACK_URLS] = None
    channel_ids: Annotated[list[int] | None, HOOK_CHANNELS] = None
    trigger_words: Annotated[list[str] | None, TRIGGER_WORDS] = None
    trigger_when: Annotated[str | None, TRIGGER_WHEN] = None
    content_type: Annotated[str | None, HOOK_CONTENT_TYPE] = None
    description: Annotated[str | None, HOOK_DESCRIPTION] = None
    icon_url: WebhookIcon = None
    ignore_bots: FlagChange = Field(None, description=HOOK_IGNORE_BOTS)


# --- workspaces ---------------------------------------------------------------------------------

def _max_file_size(value: Any, field: str) -> int | None:
    return check_max_file_size(value, current_app.config["FILE_MAX_BYTES"], field)


def _max_file_size_schema() -> Schema:
    return {"type": ["integer", "null"], "minimum": 1, "maximum": current_app.config["FILE_MAX_BYTES"]}


class CreateWorkspace(Request):
    name: Annotated[str, line(limits.NAME_LENGTH)]


class UpdateWorkspace(Changes):
    name: Annotated[str | None, line(limits.NAME_LENGTH)] = None
    max_file_size: Annotated[int | None, Check(_max_file_size, _max_file_size_schema)] = Field(
        None, description="bytes, up to the server's FILE_MAX_BYTES; null restores that default")
    members_create_webhooks: FlagChange = Field(None, description="members, not only admins, may make incoming "
                                                                  "webhooks for channels they may post in")
    webhook_overrides: FlagChange = Field(None, description="webhook posts may set their own username, icon_url "
                                                            "and icon_emoji")


class UpdateMember(Changes):
    role: Annotated[str | None, one_of(Role)] = None
    active: FlagChange = None


class CreateInvite(Request):
    # `owner` passes here (it is a role) and is refused by the service: a rule about invites.
    role: Annotated[str, Check(lambda value, field: check_one_of(value, field, [r.value for r in Role]),
                               {"type": "string", "enum": [r.value for r in Role if r != Role.owner]})] = Field(
        "member", description="`owner` is refused")
    expires_in_hours: Annotated[int, Check(lambda value, field: check_invite_hours(value, field),
                                           {"type": "integer", "minimum": 1, "maximum": limits.INVITE_HOURS})] = \
        limits.INVITE_HOURS_DEFAULT


class MembersQuery(Request):
    include_inactive: Annotated[bool, query_flag(("0", "1", "false", "true"), ("1", "true"),
                                                 "admins only (ignored for others): include deactivated members")] = \
        Field(None, validate_default=True)


class PresenceQuery(Request):
    user_ids: Annotated[list[int] | None, Check(check_user_id_list, {"type": "string",
                                                                    "pattern": USER_ID_LIST_PATTERN})] = Field(
        None, description=f"comma-separated user ids, at most {limits.PRESENCE_USER_IDS:,}: only these people")


# --- channels -----------------------------------------------------------------------------------

CHANNEL_NAME = Check(check_channel_name, {
    "type": "string", "pattern": CHANNEL_NAME_INPUT_PATTERN,
    "description": "lower-cased and spaces become `-`: letters, digits, - and _, starting with a letter or "
                   f"digit, at most {limits.NAME_LENGTH} of them (spaces around the name are stripped); "
                   "unique in the workspace"})
TOPIC = line(limits.TOPIC_LENGTH, min_length=0)


class CreateChannel(Request):
    name: Annotated[str, CHANNEL_NAME]
    private: Flag = Field(False, description="default false")
    broadcast: Flag = Field(False, description="admins only; default false")
    topic: Annotated[str, TOPIC] = ""
    purpose: Annotated[str, TOPIC] = ""


class OpenDirect(Request):
    # At most GROUP_SIZE people, you included: the service counts them.
    user_ids: Annotated[list[int], Check(check_id_list, {"type": "array", "items": ID, "minItems": 1,
                                                         "maxItems": limits.GROUP_SIZE})]


class UpdateChannel(Changes):
    name: Annotated[str | None, CHANNEL_NAME] = None
    topic: Annotated[str | None, TOPIC] = None
    purpose: Annotated[str | None, TOPIC] = None
    broadcast: FlagChange = None
    archived: FlagChange = None


class AddChannelMember(Request):
    user_id: Id
    can_post: OptionalFlag = Field(None, description="admins only")


class MarkRead(Request):
    message_id: Id


# --- messages -----------------------------------------------------------------------------------

def _send_body(value: Any, field: str, fields: dict[str, Any]) -> str:
    return check_message_body(value, allow_empty=bool(fields.get("file_ids")))


class SendMessage(Request):
    """Text, files, or both."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": ["body"]}, {"required": ["file_ids"]}]})

    # Checked first: whether the body may be empty depends on them.
    file_ids: Annotated[list[str], Check(check_file_ids, {
        "type": "array", "items": FILE_ID, "maxItems": limits.FILES_PER_MESSAGE, "uniqueItems": True,
        "description": "your uploads to this channel (POST /channels/{channel_id}/files), not yet sent"})] = []
    body: Annotated[str, Check(_send_body, input_text_schema(
        1, limits.MESSAGE_LENGTH, MESSAGE_BODY_RULE + ". May be empty or absent when file_ids are given",
        multiline=True), sees_fields=True)] = Field(None, validate_default=True)
    client_msg_id: Annotated[str | None, Check(lambda value, field: check_client_msg_id(value),
                                               nullable(CLIENT_MSG_ID))] = None
    thread_root_id: Annotated[int | None, Check(optional(check_id), nullable(
        {**ID, "description": "reply in this thread (a top-level message)"}))] = None


class EditMessage(Request):
    body: MessageBody


class React(Request):
    emoji: Annotated[str, Check(check_emoji, {**EMOJI, "description": "an emoji character or a short name "
                                                                      f"matching {EMOJI_SHORTCODE_PATTERN}"})]


class HistoryQuery(Request):
    before: QueryId = Field(None, description="message id: the messages older than this")
    after: QueryId = Field(None, description="message id: the messages newer than this")
    limit: Annotated[int | None, page_size(limits.HISTORY_PAGE)] = None


class ThreadQuery(Request):
    after: QueryId = Field(None, description="message id: the replies newer than this")
    limit: Annotated[int | None, page_size(limits.HISTORY_PAGE)] = None


# --- files --------------------------------------------------------------------------------------

class FilesQuery(Request):
    user_id: QueryId = Field(None, description="only files shared by this person")
    before: QueryId = Field(None, description="a `position` from the previous page: the files older than it")
    limit: Annotated[int | None, page_size(limits.FILES_PAGE)] = None
    kind: Annotated[str | None, one_of(FileKind, "only files of this kind")] = None


class SearchQuery(Request):
    limit: Annotated[int | None, page_size(limits.SEARCH_PAGE)] = None
    q: Annotated[str, line(limits.SEARCH_LENGTH, description="what to look for")]


class DownloadQuery(Request):
    download: Annotated[bool, query_flag(("0", "1"), ("1",), "1: always as an attachment")] = Field(
        None, validate_default=True)


# --- catch-up -----------------------------------------------------------------------------------

class EventsQuery(Request):
    since: Annotated[int | None, query_int(minimum=0, then=check_cursor, default=0)] = Field(
        None, description="the last event id you have seen")
    limit: Annotated[int | None, page_size(limits.EVENTS_PAGE)] = None


# --- socket event payloads (docs/realtime.md) ---------------------------------------------------
# The same models as the REST bodies, plus the ids REST takes from the path. Bases listed last
# come first: the ids are checked before the rest, as the doors always did.

class InChannel(Request):
    channel_id: Id


class OnMessage(Request):
    message_id: Id


class SendMessageEvent(SendMessage, InChannel):
    pass


class EditMessageEvent(EditMessage, OnMessage):
    pass


class ReactEvent(React, OnMessage):
    pass


class ReadEvent(MarkRead, InChannel):
    pass


class TypingEvent(InChannel):
    thread_root_id: OptionalId = None


class SetPresence(Request):
    away: Flag


class SyncEvent(Request):
    since: Annotated[int, Check(check_cursor, {**COUNT, "description": "the last event id you have seen"})]
    limit: Annotated[int | None, Check(optional(lambda value, field: check_limit(value, limits.EVENTS_PAGE)),
                                       {"type": "integer", "minimum": 1, "maximum": limits.EVENTS_PAGE.maximum,
                                        "default": limits.EVENTS_PAGE.default})] = None
