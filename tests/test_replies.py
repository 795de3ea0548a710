"""The texts the engine can say exist, keep the platform limits and show the way to a person."""

import pytest

from bot.content import Content
from bot.settings import ROOT

CONTENT = Content.load(ROOT / "content")


@pytest.mark.parametrize(
    "key",
    ["replies.welcome", "replies.urgent_handoff", "replies.handoff", "replies.fallback",
     "replies.media", "replies.safe_word", "info.hotline", "info.bot"],
)  # fmt: skip
@pytest.mark.parametrize("audience", ["child", "parent", ""])
def test_the_way_to_a_person_is_always_visible(key: str, audience: str) -> None:
    assert "111" in CONTENT.text(key, audience)


@pytest.mark.parametrize("key", ["replies.urgent_handoff", "replies.safe_word"])
def test_emergency_numbers_come_first(key: str) -> None:
    text = CONTENT.text(key)
    assert text.index("113") < text.index("115") < text.index("111") < 200
