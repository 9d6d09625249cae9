"""Slack's reaction names and the emoji our reactions store.

Our reactions store what the person picked: the web client's palette sends emoji characters
(👍 ❤️ 😂 🎉 👀 ✅), and a short name like ``shipit`` is stored as it is. Slack's methods
speak in names. A name in ``NAMES`` becomes its character (so a bot's ``thumbsup`` and a
person's 👍 are one reaction); any other valid name is stored as the name. Back to Slack, a
character in ``NAMES`` gets its canonical Slack name (👍 is ``+1``, as Slack answers), any
other stored value goes out as it is. Skin-tone suffixes (``+1::skin-tone-2``) are dropped.
"""
from __future__ import annotations

# Slack's canonical name first for each character: it is the one given back.
_PAIRS = [
    ("+1", "👍"), ("thumbsup", "👍"), ("-1", "👎"), ("thumbsdown", "👎"),
    ("heart", "❤️"), ("joy", "😂"), ("tada", "🎉"), ("eyes", "👀"),
    ("white_check_mark", "✅"), ("heavy_check_mark", "✔️"), ("x", "❌"), ("warning", "⚠️"),
    ("smile", "😄"), ("slightly_smiling_face", "🙂"), ("grinning", "😀"), ("laughing", "😆"),
    ("satisfied", "😆"), ("wink", "😉"), ("thinking_face", "🤔"), ("cry", "😢"), ("sob", "😭"),
    ("rocket", "🚀"), ("fire", "🔥"), ("100", "💯"), ("pray", "🙏"), ("clap", "👏"),
    ("raised_hands", "🙌"), ("wave", "👋"), ("ok_hand", "👌"), ("muscle", "💪"), ("star", "⭐"),
    ("sparkles", "✨"), ("bug", "🐛"), ("memo", "📝"), ("bulb", "💡"), ("hourglass", "⌛"),
    ("question", "❓"), ("exclamation", "❗"), ("rotating_light", "🚨"),
    ("party_popper", "🎉"), ("slightly_frowning_face", "🙁"), ("confused", "😕"),
]

NAMES: dict[str, str] = {}
for _name, _char in _PAIRS:
    NAMES.setdefault(_name, _char)
_CANONICAL: dict[str, str] = {}
for _name, _char in _PAIRS:
    _CANONICAL.setdefault(_char, _name)


def to_stored(name: str) -> str:
    """The emoji a reaction named ``name`` (Slack's spelling, colons optional) is stored as."""
    name = name.strip().strip(":").split("::", 1)[0]
    return NAMES.get(name, name)


def to_name(stored: str) -> str:
    """Slack's name for a stored reaction."""
    return _CANONICAL.get(stored, stored)
