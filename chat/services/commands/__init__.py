"""Slash commands: ``/name text`` typed in the composer.

Modules: ``builtins`` (``/me``, ``/shrug``, ``/topic``, ``/invite``, ``/leave``, ``/mute``,
``/help``: run in the server), ``commands`` (a workspace's custom commands: made, changed,
listed), ``invocations`` (running any command; a custom one's signed request as a delivery),
``responses`` (a custom command's answers: immediate, and through its ``response_url``)."""

from chat.services.commands.builtins import BUILTINS, Ran
from chat.services.commands.commands import (
    CHANGEABLE,
    CommandView,
    Listed,
    create_slash_command,
    delete_slash_command,
    get_slash_command,
    list_commands,
    list_slash_commands,
    regenerate_token,
    signing_secret_of,
    update_slash_command,
)
from chat.services.commands.invocations import (
    ANSWER_SECONDS,
    PRUNE_JOB,
    RESPONSE_PATH,
    SLASH_COMMAND_KIND,
    command_answered,
    prune,
    run_command,
    signer,
)
from chat.services.commands.responses import ActionProhibited, ExpiredUrl, NoService, UsedUrl, find_run, respond

__all__ = [
    "ANSWER_SECONDS",
    "BUILTINS",
    "CHANGEABLE",
    "PRUNE_JOB",
    "RESPONSE_PATH",
    "SLASH_COMMAND_KIND",
    "ActionProhibited",
    "CommandView",
    "ExpiredUrl",
    "Listed",
    "NoService",
    "Ran",
    "UsedUrl",
    "command_answered",
    "create_slash_command",
    "delete_slash_command",
    "find_run",
    "get_slash_command",
    "list_commands",
    "list_slash_commands",
    "prune",
    "regenerate_token",
    "respond",
    "run_command",
    "signer",
    "signing_secret_of",
    "update_slash_command",
]
