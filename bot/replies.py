"""The texts a person reads, from content/vi/replies.yml, as outgoing messages."""

from pathlib import Path

import yaml

from bot.channels.base import Button, OutgoingMessage


class Replies:
    def __init__(self, messages: dict[str, OutgoingMessage]) -> None:
        self._messages = messages

    @classmethod
    def load(cls, content_dir: Path) -> "Replies":
        data = yaml.safe_load((content_dir / "vi" / "replies.yml").read_text(encoding="utf-8"))
        return cls({key: _message(key, value) for key, value in data.items()})

    def __getitem__(self, key: str) -> OutgoingMessage:
        return self._messages[key]

    def __contains__(self, key: object) -> bool:
        return key in self._messages


def _message(key: str, value: dict[str, object]) -> OutgoingMessage:
    text = str(value.get("text") or "").strip()
    if not text:
        raise ValueError(f"content/vi/replies.yml: {key} has no text")
    buttons = value.get("buttons") or []
    if not isinstance(buttons, list):
        raise ValueError(f"content/vi/replies.yml: {key}.buttons must be a list")
    return OutgoingMessage(
        text, tuple(Button(str(b["title"]), str(b["payload"])) for b in buttons)
    )
