"""Input limits, written once: the check_* functions (core/validation.py), the typed request
models (core/requests.py), the services and the OpenAPI document all read them from here."""
from __future__ import annotations

from typing import NamedTuple

# Ids and event cursors: what any database integer holds.
MAX_ID = 2**63 - 1

# Text, in characters after NFC normalisation and stripping.
MESSAGE_LENGTH = 8000          # message bodies (multi-line)
NAME_LENGTH = 80               # workspace, channel and token names; display names
TOPIC_LENGTH = 250             # channel topics and purposes
EMOJI_LENGTH = 40              # a reaction: an emoji or a short name
EMAIL_LENGTH = 254
USERNAME_LENGTH = (2, 32)
PASSWORD_LENGTH = (8, 256)     # not stripped or normalised: every character counts
SEARCH_LENGTH = 200            # the file search's q
CLIENT_MSG_ID_LENGTH = 64
INVITE_CODE_LENGTH = 64        # what a path may name; real codes are 32 characters
FILE_ID_LENGTH = 32
FILE_NAME_LENGTH = 255         # longer upload names are shortened, not refused
URL_LENGTH = 2048              # URLs we store (a bot's icon)
BOT_DESCRIPTION_LENGTH = 250
COMMAND_NAME_LENGTH = 32       # a slash command's name, without its slash (Slack's limit)
COMMAND_DESCRIPTION_LENGTH = 250
COMMAND_USAGE_HINT_LENGTH = 250
COMMAND_TEXT_LENGTH = MESSAGE_LENGTH  # what follows a command's name
INTEGRATION_KIND_LENGTH = 40   # a delivery's kind (events_api, outgoing_webhook, ...)
TRIGGER_WORD_LENGTH = 50       # an outgoing webhook's trigger word (one word)

# Counts.
DELIVERY_BODY_BYTES = 1024 * 1024  # what one delivery to an integration may send
OUTGOING_WEBHOOK_URLS = 5      # callback URLs of one outgoing webhook
OUTGOING_WEBHOOK_CHANNELS = 50  # channels one outgoing webhook watches
TRIGGER_WORDS = 20             # trigger words of one outgoing webhook
FILES_PER_MESSAGE = 10         # files in one upload request and in one message
GROUP_SIZE = 9                 # people in a group conversation, you included
PRESENCE_USER_IDS = 1000       # user ids one presence request may name
INVITE_HOURS = 30 * 24         # the longest an invite link may live
INVITE_HOURS_DEFAULT = 7 * 24
RESPONSE_URL_USES = 5          # answers a slash command's response_url takes (Slack's)
RESPONSE_URL_MINUTES = 30      # and for how long

# JSON request bodies and socket payloads: nesting deeper than this is invalid_json.
JSON_DEPTH = 32


class Page(NamedTuple):
    """A page size: what an absent `limit` means and the most one page may hold."""

    default: int
    maximum: int


HISTORY_PAGE = Page(50, 200)   # messages, thread replies
FILES_PAGE = Page(50, 200)
SEARCH_PAGE = Page(20, 100)
EVENTS_PAGE = Page(500, 1000)
DELIVERIES_PAGE = Page(50, 200)  # an integration's delivery log

# Slack- and Mattermost-format messages (incoming webhooks, chat.postMessage): Slack's own
# limits where Slack documents one, so a payload Slack takes is taken here too; the message
# text itself keeps our message limit (Slack's is 40,000), past which it is msg_too_long.
SLACK_TEXT_LENGTH = MESSAGE_LENGTH    # a message's text, an attachment's text, props.card
SLACK_TOTAL_TEXT = 40_000             # all the text of one message, blocks and attachments included
SLACK_ATTACHMENTS = 100               # too_many_attachments past this
SLACK_ATTACHMENT_FIELDS = 50          # Slack sets none; a card of more is unreadable anyway
SLACK_BLOCKS = 50                     # per message, and per attachment
SLACK_SECTION_TEXT = 3000
SLACK_SECTION_FIELDS = 10
SLACK_FIELD_TEXT = 2000               # a section field, a context element's text
SLACK_HEADER_TEXT = 150
SLACK_CONTEXT_ELEMENTS = 10
SLACK_RICH_TEXT_ELEMENTS = 1000       # all the elements of one rich_text block, nested ones included
SLACK_SHORT_TEXT = 2000               # titles, names, footers, alt text, fallbacks, field titles
SLACK_URL_LENGTH = 3000
