"""Typed SQLAlchemy models, one module per noun. Every tenant row carries workspace_id."""
from chat.models.bot import Bot
from chat.models.channel import Channel, ChannelKind, ChannelMember
from chat.models.command import CommandInvocation, SlashCommand
from chat.models.connection import SocketConnection
from chat.models.delivery import Delivery, DeliveryAttempt, DeliveryStatus
from chat.models.event import Event, EventLogState
from chat.models.file import File, FileKind, PreviewState
from chat.models.job import FailedJob, PendingJob
from chat.models.message import Mention, Message, Reaction
from chat.models.server import ChatServer
from chat.models.user import ApiToken, User, UserKind
from chat.models.webhook import (
    HookContentType,
    IncomingWebhook,
    OutgoingWebhook,
    OutgoingWebhookChannel,
    TriggerWhen,
)
from chat.models.workspace import Invite, Membership, Role, Workspace

__all__ = [
    "ApiToken", "Bot", "Channel", "ChannelKind", "ChannelMember", "ChatServer", "CommandInvocation", "Delivery",
    "DeliveryAttempt", "DeliveryStatus", "Event", "EventLogState", "FailedJob", "File", "FileKind", "HookContentType",
    "IncomingWebhook", "Invite", "Membership", "Mention", "Message", "OutgoingWebhook", "OutgoingWebhookChannel",
    "PendingJob", "PreviewState", "Reaction", "Role", "SlashCommand", "SocketConnection", "TriggerWhen", "User",
    "UserKind", "Workspace",
]
