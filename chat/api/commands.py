"""Slash commands: running one in a conversation, the commands members may run, and a workspace's
custom commands (admins). Their answers through a response_url go to /hooks/commands/<secret>
(chat/webhooks/commands.py), not to this API."""
from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from chat.api import actor, api, public_url, with_body
from chat.api.openapi import operation
from chat.api.schemas import array, ref, wrapped
from chat.core.requests import CreateSlashCommand, RunCommand, UpdateSlashCommand
from chat.services import commands
from chat.services.commands import CommandView
from chat.services.payloads import command_info_payload, command_result_payload, ok_payload, slash_command_payload

ADMIN_ERRORS = {403: ["admin_only"], 404: ["not_found"]}


def _payload(view: CommandView) -> dict:
    return slash_command_payload(view, commands.signing_secret_of(view.id) or view.command.signing_secret)


@api.post("/channels/<int:channel_id>/commands")
@operation("commands", ok=ref("CommandResult"),
           ok_description="OK: the command ran (`done`) or its request is on its way (`sent`)",
           errors={400: ["invalid"], 403: ["not_in_channel", "channel_archived", "broadcast_only",
                                           "not_channel_manager", "direct_channel", "default_channel"],
                   404: ["not_found", "thread_not_found", "user_not_found"], 409: ["not_in_channel", "conflict"]})
@with_body(RunCommand)
def run_command(channel_id: int, data: RunCommand) -> ResponseReturnValue:
    """Run a slash command in a conversation you may post in

    Built-ins (`/me`, `/shrug`, `/topic`, `/invite`, `/leave`, `/mute`, `/help`) run at once, with
    the permissions of what they do; a custom command's signed request goes out in the background
    and its answer arrives later as a `message.ephemeral` event (to you) or a message. An unknown
    command shows you Slack's "is not a valid command" note. Counts against `RATE_LIMIT_COMMANDS`.
    """
    ran = commands.run_command(actor(), channel_id, data.command, data.text, thread_root_id=data.thread_root_id,
                               base_url=public_url())
    return jsonify(command_result_payload(ran))


@api.get("/workspaces/<int:workspace_id>/commands")
@operation("commands", ok=wrapped("commands", array(ref("CommandInfo"))),
           ok_description="OK: built-in and custom commands, by name", errors={404: ["not_found"]})
def list_commands(workspace_id: int) -> ResponseReturnValue:
    """The commands members may run (any member; no URLs or secrets)"""
    listed = commands.list_commands(actor(), workspace_id)
    return jsonify({"commands": [command_info_payload(c) for c in listed]})


@api.get("/workspaces/<int:workspace_id>/slash-commands")
@operation("commands", ok=wrapped("slash_commands", array(ref("SlashCommand"))), ok_description="OK: by name",
           errors=ADMIN_ERRORS)
def list_slash_commands(workspace_id: int) -> ResponseReturnValue:
    """The workspace's custom slash commands, with their settings (admins)"""
    return jsonify({"slash_commands": [_payload(v) for v in commands.list_slash_commands(actor(), workspace_id)]})


@api.post("/workspaces/<int:workspace_id>/slash-commands")
@operation("commands", status=201, ok=ref("SlashCommand"), ok_description="Created",
           errors={400: ["invalid"], 403: ["admin_only", "bot_not_allowed"], 404: ["not_found"],
                   409: ["name_taken", "conflict"]})
@with_body(CreateSlashCommand)
def create_slash_command(workspace_id: int, data: CreateSlashCommand) -> ResponseReturnValue:
    """Make a custom slash command (admins)

    Running `name` POSTs Slack's slash-command form to `url`, signed with Slack's v0 scheme and
    carrying the command's verification `token` (docs/integrations.md). A built-in's name is
    `name_taken`.
    """
    view = commands.create_slash_command(actor(), workspace_id, data.name, data.url, description=data.description,
                                         usage_hint=data.usage_hint, app_bot_id=data.app_bot_id)
    return jsonify(_payload(view)), 201


@api.get("/slash-commands/<int:command_id>")
@operation("commands", ok=ref("SlashCommand"), errors=ADMIN_ERRORS)
def get_slash_command(command_id: int) -> ResponseReturnValue:
    """One custom slash command (its workspace's admins)"""
    return jsonify(_payload(commands.get_slash_command(actor(), command_id)))


@api.patch("/slash-commands/<int:command_id>")
@operation("commands", ok=ref("SlashCommand"), errors={**ADMIN_ERRORS, 409: ["name_taken", "conflict"]})
@with_body(UpdateSlashCommand)
def update_slash_command(command_id: int, data: UpdateSlashCommand) -> ResponseReturnValue:
    """Change a custom slash command's name, URL, description, usage hint or signing bot"""
    return jsonify(_payload(commands.update_slash_command(actor(), command_id, data.changes())))


@api.delete("/slash-commands/<int:command_id>")
@operation("commands", ok=ref("Ok"), errors=ADMIN_ERRORS)
def delete_slash_command(command_id: int) -> ResponseReturnValue:
    """Delete a custom slash command: running it becomes "not a valid command"; its answers stay"""
    commands.delete_slash_command(actor(), command_id)
    return jsonify(ok_payload())


@api.post("/slash-commands/<int:command_id>/token")
@operation("commands", ok=ref("SlashCommand"), ok_description="OK: with its new `token`", errors=ADMIN_ERRORS)
def regenerate_slash_command_token(command_id: int) -> ResponseReturnValue:
    """Give a custom slash command a new verification token"""
    return jsonify(_payload(commands.regenerate_token(actor(), command_id)))
