"""The pure engine with the real content and hand-made readings: no Redis, no model.

What a person types where the bot asked a question is an answer; an old button re-asks the
step; a crisis while waiting is never met with silence; a report ends in at most three
messages. The model's reading is given as it came out in practice ("vẫn đang tiếp diễn" was
read as a crisis; a bare "hmm" as out_of_scope).
"""

import itertools
from pathlib import Path

import pytest

from bot.channels.base import EventKind, IncomingEvent, OutgoingMessage
from bot.content import Content
from bot.conversation import Conversation
from bot.store.sessions import Session
from bot.understanding.assess import Assessment
from bot.understanding.classifier import Understanding
from bot.understanding.screen import Screening
from bot.understanding.taxonomy import Action, Intent, Risk
from bot.understanding.triage import Triage
from nlu.components.normaliser import Normaliser

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"
CONVERSATION = Conversation(
    Content.load(CONTENT_DIR), Normaliser.from_content(CONTENT_DIR / "nlu")
)
counter = itertools.count()


def reading(action: Action, intent: Intent | None = None, risk: Risk = Risk.NONE) -> Assessment:
    understanding = Understanding(intent, 0.9, ((intent, 0.9),) if intent else ())
    return Assessment(understanding, Screening(Risk.NONE), Triage(intent, 0.9, action, risk))


def say(
    session: Session, text: str = "", payload: str = "", seen: Assessment | None = None
) -> tuple[list[OutgoingMessage], Session]:
    kind = EventKind.BUTTON if payload else EventKind.TEXT
    event = IncomingEvent("webchat", "u1", f"e{next(counter)}", kind, 1_000, text, payload)
    if not payload and seen is None:
        seen = reading(Action.FALLBACK, Intent.OUT_OF_SCOPE)
    messages, _, after = CONVERSATION.respond(session, event, seen)
    return messages, after


def at(state: str, **slots: str) -> Session:
    session = Session(state=state, audience="child", slots={"category": "report_bullying"})
    messages, session = say(session.with_(slots={**session.slots, **slots}), payload="MENU")
    return session.with_(state=state)


def text_of(messages: list[OutgoingMessage]) -> str:
    return "\n".join(m.text for m in messages)


def offered(session: Session) -> list[str]:
    return [payload for _, payload in session.slots.get("offered", [])]


@pytest.mark.parametrize(
    ("typed", "model_said"),
    [
        ("vẫn đang tiếp diễn", reading(Action.CHECK_IN, Intent.CRISIS_IMMEDIATE_DANGER)),
        ("đúng vậy, trên zalo, vẫn đang tiếp diễn", reading(Action.FALLBACK)),
        ("nó vẫn nhắn", reading(Action.FALLBACK, Intent.OUT_OF_SCOPE)),
        ("hết rồi", reading(Action.SMALLTALK, Intent.DENY)),
        ("không còn nữa", reading(Action.SMALLTALK, Intent.DENY)),
    ],
)
def test_a_typed_answer_to_still_happening_ends_the_report(
    typed: str, model_said: Assessment
) -> None:
    session = at("ongoing")
    messages, after = say(session, typed, seen=model_said)
    assert "Chụp màn hình" in text_of(messages)  # the evidence advice came
    assert len(messages) <= 3
    assert after.state == "idle"


def test_which_answer_was_understood() -> None:
    _, yes = say(at("ongoing"), "vẫn đang tiếp diễn", seen=reading(Action.FALLBACK))
    _, no = say(at("ongoing"), "không còn nữa", seen=reading(Action.FALLBACK))
    assert (yes.slots["ongoing"], no.slots["ongoing"]) == ("yes", "no")


def test_an_old_button_re_asks_the_current_step() -> None:
    messages, after = say(at("what"), payload="CHECK_YES")  # still on screen in Zalo
    assert "chuyện gì đã xảy ra" in text_of(messages)
    assert after.state == "what"


def test_an_answer_that_answers_nothing_is_asked_again_once_then_the_report_goes_on() -> None:
    first, session = say(at("ongoing"), "hmm")
    assert "chưa rõ ý bạn" in text_of(first)
    assert offered(session) == ["ONGOING_YES", "ONGOING_NO"]
    second, session = say(session, "ờ thì")
    assert "Chụp màn hình" in text_of(second)
    assert session.state == "idle"


def test_a_parents_first_message_gets_the_parent_version() -> None:
    messages, session = say(
        Session(),
        "con tôi 12 tuổi bị bạn cùng lớp lập nhóm chửi trên zalo",
        seen=reading(Action.REPORT, Intent.REPORT_BULLYING, Risk.MEDIUM),
    )
    said = text_of(messages)
    assert "anh/chị" in said
    assert "Bạn không có lỗi" not in said
    assert (session.audience, session.age_band) == ("parent", "under13")
    titles = [b.title for m in messages for b in m.buttons]  # Zalo shows every message's
    assert "Báo một sự việc" in titles  # the parent's menu under who is answering
    assert "Em cần giúp đỡ" not in titles


@pytest.mark.parametrize(
    ("typed", "audience", "band"),
    [
        ("em là học sinh", "child", ""),
        ("em 14 tuổi", "child", "13-15"),
        ("tôi là mẹ cháu", "parent", ""),
    ],
)
def test_onboarding_answered_in_words(typed: str, audience: str, band: str) -> None:
    session = Session(state="audience")
    _, after = say(session, typed, seen=reading(Action.FALLBACK, Intent.OUT_OF_SCOPE))
    assert (after.audience, after.age_band) == (audience, band)
    assert after.state in ("age", "idle")


def test_a_crisis_again_and_again_while_waiting_is_always_answered() -> None:
    crisis = reading(Action.URGENT_HANDOFF, Intent.CRISIS_SELF_HARM, Risk.IMMINENT)
    messages, session = say(Session(), "e muốn chết quá", seen=crisis)
    assert "113" in text_of(messages)
    answers = []
    for typed in ("em đang đứng trên sân thượng", "em muốn nhảy xuống", "em muốn tự tử"):
        messages, session = say(session, typed, seen=crisis)
        answers.append(text_of(messages))
    assert all("113" in answer for answer in answers)
    assert "an toàn ngay lúc này" in answers[0]  # the safety script, once
    assert answers[1] == answers[2]  # then short company, not the script again


def test_leaving_the_queue_by_words() -> None:
    _, session = say(Session(state="idle"), payload="COUNSELOR")
    assert session.state == "waiting"
    messages, session = say(
        session, "em muốn rời hàng chờ", seen=reading(Action.SMALLTALK, Intent.AFFIRM)
    )
    assert "rời hàng chờ" in text_of(messages)
    assert session.state == "idle"


def test_nothing_but_sad_emoji_is_an_invitation_to_talk() -> None:
    messages, _ = say(Session(state="idle"), "😭😭😭", seen=reading(Action.SMALLTALK, Intent.DENY))
    said = text_of(messages)
    assert "kể cho mình" in said
    assert "Không sao" not in said


@pytest.mark.parametrize("audience", ["child", "parent"])
@pytest.mark.parametrize(
    "category",
    [intent.value for intent in Intent if intent.value.startswith("report_")],
)
def test_the_end_of_every_report_fits_a_phone(audience: str, category: str) -> None:
    high = category in ("report_sexual_abuse", "report_grooming", "report_trafficking")
    slots = {"category": category, "platform": "tiktok", "priority": "high" if high else "normal"}
    session = Session(state="ongoing", audience=audience, slots=slots)
    messages, _ = say(session, payload="ONGOING_YES")
    assert 2 <= len(messages) <= 3 - high  # the queue's notice is the third for a high one
    if audience == "child":
        assert all(len(m.text) <= 600 for m in messages)
    assert "111" in text_of(messages)


def test_a_parent_who_leaves_the_queue_gets_the_parents_menu() -> None:
    waiting = Session(state="waiting", audience="parent")
    messages, session = say(waiting, payload="LEAVE_QUEUE")
    assert "Anh/chị đã rời hàng chờ" in text_of(messages)
    titles = [b.title for m in messages for b in m.buttons]
    assert ("Báo một sự việc" in titles, "Em cần giúp đỡ" in titles) == (True, False)
