"""Messages: the one place a message is sent, edited, deleted, reacted to, pinned or read,
whether the request comes from the browser, a socket, a bot or the REST API.

Modules: ``send`` (checks and the group commit), ``store`` (the send path's store step:
``store_messages(list[NewMessage]) -> list[StoredMessage]``), ``edits`` (edit, delete, react,
pin), ``history`` (reads), ``ephemeral`` (messages shown to one person, never stored),
``mentions`` (who a message names), ``rendering`` (safe Markdown), ``content`` (integration
content: Slack- and Mattermost-format messages, kept in ``messages.props``)."""

from chat.services.messages.content import MessageContent
from chat.services.messages.edits import delete_message, edit_message, react, set_pinned
from chat.services.messages.ephemeral import UserNotInChannel, post_ephemeral
from chat.services.messages.history import get_message, history, pinned, thread, unread_mentions
from chat.services.messages.send import send_message
from chat.services.messages.store import StoredMessage

__all__ = [
    "MessageContent",
    "StoredMessage",
    "UserNotInChannel",
    "delete_message",
    "edit_message",
    "get_message",
    "history",
    "pinned",
    "post_ephemeral",
    "react",
    "send_message",
    "set_pinned",
    "thread",
    "unread_mentions",
]
