"""Everything a person reads, from content/vi/*.yml, looked up by dotted keys.

A key names a file and a path inside it: "reports.common.evidence". A text may have a child
and a parent version; `text` picks the one for the audience (the child version when the
audience is not known yet). `{name}` placeholders are filled from the params given.
"""

from pathlib import Path
from typing import Any

import yaml

from bot.channels.base import Button, OutgoingMessage

AUDIENCES = ("child", "parent")


class ContentError(KeyError):
    pass


class Content:
    def __init__(self, tree: dict[str, Any]) -> None:
        self.tree = tree

    @classmethod
    def load(cls, content_dir: Path) -> "Content":
        tree = {}
        for path in sorted((content_dir / "vi").glob("*.yml")):
            tree[path.stem] = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(tree)

    def node(self, key: str) -> Any:
        value: Any = self.tree
        for part in key.split("."):
            if not isinstance(value, dict) or part not in value:
                raise ContentError(f"content key {key!r} not found")
            value = value[part]
        return value

    def has(self, key: str) -> bool:
        try:
            self.node(key)
        except ContentError:
            return False
        return True

    def text(self, key: str, audience: str = "", params: dict[str, str] | None = None) -> str:
        value = self.node(key)
        if isinstance(value, dict):
            if "text" in value:
                value = value["text"]
            else:
                value = value.get(audience if audience in AUDIENCES else "child")
        if isinstance(value, dict):
            value = value.get(audience if audience in AUDIENCES else "child")
        if not isinstance(value, str) or not value.strip():
            raise ContentError(f"content key {key!r} has no text for {audience or 'child'}")
        return value.strip().format_map(_Defaults(params or {}))

    def message(
        self,
        key: str,
        audience: str = "",
        params: dict[str, str] | None = None,
        buttons: tuple[tuple[str, str], ...] = (),
    ) -> OutgoingMessage:
        """`buttons` are (title key or literal title, payload) pairs; without them, the
        entry's own `buttons` list (`{title, payload}` items) if it has one."""
        node = self.node(key)
        if not buttons and isinstance(node, dict) and isinstance(node.get("buttons"), list):
            buttons = tuple((str(b["title"]), str(b["payload"])) for b in node["buttons"])
        titles = [
            Button(self.text(title, audience) if self.has(title) else title, payload)
            for title, payload in buttons
        ]
        return OutgoingMessage(self.text(key, audience, params), tuple(titles))


class _Defaults(dict[str, str]):
    """Missing placeholders read naturally instead of failing: {platform} → "ứng dụng đó"."""

    FALLBACKS = {"platform": "ứng dụng đó", "label": "gặp chuyện không vui trên mạng"}

    def __missing__(self, name: str) -> str:
        return self.FALLBACKS.get(name, "")
