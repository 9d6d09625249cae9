from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chat.extensions import Model
from chat.models._time import utcnow


class SlashCommand(Model):
    """A workspace's custom slash command (``/deploy``): typed in the composer, it POSTs
    Slack's slash-command form to ``url`` (services/commands/invocations.py).

    Its answers in the channel are posted by a bot account of its own (``bot_user_id``, made
    with it, as an incoming webhook's); its requests are signed with Slack's v0 scheme, with
    the secret of the bot named by ``app_bot_id`` when there is one (a Slack app's commands and
    events share one signing secret), else with its own ``signing_secret``. ``token`` is Slack's
    verification token, sent in every request: both are kept as they are, since we send them."""

    __tablename__ = "slash_commands"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))  # without the slash, lower case
    url: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(String(250), default="")
    usage_hint: Mapped[str] = mapped_column(String(250), default="")
    bot_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    app_bot_id: Mapped[int | None] = mapped_column(ForeignKey("bots.user_id", ondelete="SET NULL"))
    signing_secret: Mapped[str] = mapped_column(String(64))
    token: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommandInvocation(Model):
    """One run of a custom slash command: who ran it where, the delivery of its request, and
    its ``response_url`` (only the SHA-256 digest of the URL's secret is kept), through which
    the integration may answer up to ``limits.RESPONSE_URL_USES`` times until ``expires_at``."""

    __tablename__ = "command_invocations"
    __table_args__ = (Index("ix_command_invocations_delivery", "delivery_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    command_id: Mapped[int | None] = mapped_column(ForeignKey("slash_commands.id", ondelete="SET NULL"))
    command: Mapped[str] = mapped_column(String(40))  # the name as run, in case the command goes
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    thread_root_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    delivery_id: Mapped[int | None] = mapped_column()  # the request's delivery (its log entry)
    response_digest: Mapped[str] = mapped_column(String(64), unique=True)
    responses: Mapped[int] = mapped_column(default=0)  # answers taken through the response_url
    echoed: Mapped[bool] = mapped_column(default=False)  # the command was shown in the channel
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
