"""Messages: the one place a message is sent, edited, deleted, reacted to, pinned or read,
whether the request comes from the browser, a socket, a bot or the REST API.

Modules: ``send`` (the send path and its group commit), ``rendering`` (safe Markdown, mentions)."""

from chat.services.messages.send import (
    delete_message,
    edit_message,
    get_message,
    history,
    pinned,
    react,
    send_message,
    set_pinned,
    thread,
    unread_mentions,
)

__all__ = [
    "delete_message",
    "edit_message",
    "get_message",
    "history",
    "pinned",
    "react",
    "send_message",
    "set_pinned",
    "thread",
    "unread_mentions",
]
