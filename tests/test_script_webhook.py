"""The real tier of the conversation scripts: the ones marked `real: true` in
tests/dialogue/scripts/*.yml, through the signed Messenger webhook with the trained model
reading the text (a step's `read_as` is ignored here), real Redis, a real database and the
fake Graph API recording what the person gets. Nobody is online in the console.

The same checks as the fast tier (tests/dialogue/test_scripts.py), on what Messenger would
show: the texts sent, the quick replies under the last one, and the session left in Redis.
"""

import time
import uuid

import pytest
from aiohttp.test_utils import TestClient

from bot.app import REDIS
from bot.store import keys
from bot.store.sessions import Session, decode
from tests.conftest import AppFactory, drain
from tests.dialogue.scripts import (
    NORMALISER,
    Said,
    Script,
    Step,
    button,
    crisis_step,
    load_all,
    problems,
    report,
)
from tests.fakes.graph import FakeGraph
from tests.test_messenger_conversations import MessengerChild
from tests.test_webhooks import graph, messenger_settings, page_body, post, text_event

__all__ = ["graph"]  # the fake Graph API's fixture, used by name below

REAL = [script for script in load_all() if script.real]


class MessengerPerson(MessengerChild):
    """A person on Messenger who types, taps quick replies (old ones too, as Zalo allows) and
    presses Get Started; each turn returns what they got."""

    def __init__(self, client: TestClient, graph: FakeGraph, psid: str) -> None:  # type: ignore[type-arg]
        super().__init__(client, graph, psid)
        self.shown: list[tuple[tuple[str, str], ...]] = []

    async def act(self, step: Step) -> Said:
        self.sent += 1
        mid = f"{self.psid}-m{self.sent}"
        if step.open:
            item: dict[str, object] = {
                "sender": {"id": self.psid},
                "recipient": {"id": "PAGE"},
                "timestamp": int(time.time() * 1000),
                "postback": {"mid": mid, "title": "Bắt đầu", "payload": "GET_STARTED"},
            }
        else:
            item = text_event(self.psid, mid, step.tap if step.tap is not None else step.say or "")
            if step.tap is not None:
                reply = {"payload": button(step, self.shown)}
                item["message"] = {"mid": mid, "text": step.tap, "quick_reply": reply}
        assert await post(self.client, page_body([item])) == 200
        await drain(self.client)
        mine = [m["message"] for m in self.graph.messages if m["recipient"]["id"] == self.psid]
        new, self.seen = mine[self.seen :], len(mine)
        under = [
            tuple((str(q["title"]), str(q["payload"])) for q in m.get("quick_replies", []))
            for m in new
        ]
        self.shown += [buttons for buttons in under if buttons]
        session = await self.session()
        return Said(
            tuple(str(m["text"]) for m in new), under[-1] if under else (), session.state,
            session.audience, session.age_band,
        )  # fmt: skip

    async def session(self) -> Session:
        raw = await self.client.server.app[REDIS].get(keys.session("messenger", self.psid))
        return decode(raw) if raw else Session()


def marked(script: Script) -> object:
    why = script.xfail or script.xfail_real
    marks = [pytest.mark.xfail(reason=why, strict=True)] if why else []
    return pytest.param(script, id=script.id, marks=marks)


def test_about_five_scripts_go_through_the_webhook() -> None:
    assert 4 <= len(REAL) <= 7


@pytest.mark.parametrize("script", [marked(s) for s in REAL])
async def test_script_through_the_webhook(
    make_client: AppFactory, graph: FakeGraph, script: Script
) -> None:
    client = await make_client(**messenger_settings(graph))
    person = MessengerPerson(client, graph, f"PSID-{uuid.uuid4().hex[:8]}")
    for number, step in enumerate(script.steps, 1):
        said = await person.act(step)
        wrong = problems(step, said, crisis_step(step, NORMALISER))
        if wrong:
            raise AssertionError(report(script, step, number, said, wrong))
