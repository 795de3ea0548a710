"""A chosen few of the conversation scripts through the real Messenger webhook: truly signed
events, the trained model, real Redis, the fake Graph API recording what the person gets."""

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import AppFactory, drain
from tests.fakes.graph import FakeGraph
from tests.test_webhooks import graph, messenger_settings, page_body, post, text_event, texts_to

__all__ = ["graph"]  # the fake Graph API's fixture, used by name below


class MessengerChild:
    def __init__(self, client: TestClient, graph: FakeGraph, psid: str) -> None:  # type: ignore[type-arg]
        self.client, self.graph, self.psid = client, graph, psid
        self.sent = 0
        self.seen = 0

    async def says(self, text: str) -> str:
        self.sent += 1
        event = text_event(self.psid, f"{self.psid}-m{self.sent}", text)
        assert await post(self.client, page_body([event])) == 200
        await drain(self.client)
        texts = texts_to(self.graph, self.psid)
        new, self.seen = texts[self.seen :], len(texts)
        return "\n".join(new)


@pytest.mark.parametrize(
    "script",
    [
        [  # a child in crisis at night, nobody online, who keeps writing
            ("e muốn chết quá, k ai thương e cả", ["113", "115", "111"]),
            ("em đang đứng trên sân thượng", ["an toàn ngay lúc này", "113"]),
            ("em muốn nhảy xuống", ["vẫn ở đây", "113"]),
            ("em muốn tự tử", ["vẫn ở đây", "113"]),
        ],
        [  # a parent who types every answer
            ("con tôi 12 tuổi bị bạn cùng lớp lập nhóm chửi trên zalo", ["anh/chị"]),
            ("đúng rồi", ["kể"]),
            ("tụi nó lập nhóm rồi gửi ảnh chế con tôi vào đó", ["tiếp diễn"]),
            ("đúng vậy, trên zalo, vẫn đang tiếp diễn", ["Chụp màn hình"]),
        ],
        [  # everyday look-alikes and distress
            ("chết cười với thằng bạn cùng bàn", ["111"]),
            ("chán đời quá", ["làm hại bản thân", "113"]),
            ("không", ["Cảm ơn bạn đã trả lời"]),
        ],
    ],
    ids=["crisis while nobody is online", "parent types answers", "look-alike and check-in"],
)
async def test_through_the_signed_webhook(
    make_client: AppFactory, graph: FakeGraph, script: list[tuple[str, list[str]]]
) -> None:
    client = await make_client(**messenger_settings(graph))
    child = MessengerChild(client, graph, "PSID-script")
    for turn, (text, words) in enumerate(script, 1):
        said = await child.says(text)
        for word in words:
            assert word in said, f"turn {turn}: {word!r} not in {said!r}"
        if turn == 1 and "chết cười" in text:
            assert "113" not in said  # a joke never gets the emergency numbers
