"""The reply texts in content/vi/replies.yml keep the platform limits and the way to a person."""

import pytest

from bot.dialogue.turn import BUTTON_REPLIES
from bot.replies import Replies
from bot.settings import ROOT

REPLIES = Replies.load(ROOT / "content")
KEYS = ["welcome", "urgent_handoff", "report", "handoff", "advice", "info", "smalltalk",
        "fallback", "media", "listening", "safe_word"]  # fmt: skip


@pytest.mark.parametrize("key", KEYS + sorted(set(BUTTON_REPLIES.values())))
def test_every_reply_the_engine_uses_exists_within_limits(key: str) -> None:
    message = REPLIES[key]
    assert 0 < len(message.text) <= 2000
    assert len(message.buttons) <= 13
    assert all(0 < len(b.title) <= 20 for b in message.buttons)


@pytest.mark.parametrize(
    "key",
    ["welcome", "urgent_handoff", "report", "handoff", "info", "fallback", "media", "safe_word"],
)
def test_the_way_to_a_person_is_always_visible(key: str) -> None:
    assert "111" in REPLIES[key].text


@pytest.mark.parametrize("key", ["urgent_handoff", "safe_word"])
def test_emergency_numbers_come_first(key: str) -> None:
    text = REPLIES[key].text
    assert text.index("113") < text.index("115") < text.index("111") < 200
