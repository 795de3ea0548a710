"""One turn: what the bot says to an event, and the session after it. Pure: no I/O.

The full conversation design (onboarding, report flows, advice library) builds on this; here
every action has its reply, the safe word and crisis always win, and media is never taken.
"""

from dataclasses import dataclass

from bot.channels.base import EventKind, IncomingEvent
from bot.store.sessions import Session
from bot.taxonomy import Action
from bot.understand import Assessment

SAFE_WORDS = frozenset({"111", "cuu", "cuu em", "sos"})  # normalised, without diacritics
PAUSE_AFTER_HUMAN_MS = 30 * 60 * 1000

BUTTON_REPLIES = {
    "REPORT": "listening",
    "TELL_MORE": "listening",
    "ADVICE": "advice",
    "COUNSELOR": "handoff",
    "GET_STARTED": "welcome",
}


@dataclass(frozen=True, slots=True)
class Decision:
    replies: tuple[str, ...]  # content keys, in order
    session: Session


def is_safe_word(plain_text: str) -> bool:
    return plain_text.strip() in SAFE_WORDS


def decide(
    session: Session,
    event: IncomingEvent,
    assessment: Assessment | None,
    plain_text: str,
) -> Decision:
    """`plain_text` is the event's text normalised; `assessment` is None for non-text events."""
    now = event.timestamp_ms
    if event.kind is EventKind.HUMAN_REPLY:
        return Decision((), session.with_(paused_until_ms=now + PAUSE_AFTER_HUMAN_MS))
    seen = session.with_(last_user_message_ms=now)
    if event.kind is EventKind.TEXT and is_safe_word(plain_text):
        return Decision(("safe_word",), seen.with_(state="urgent"))
    if assessment is not None and assessment.triage.action is Action.URGENT_HANDOFF:
        return _say(seen, assessment, "urgent_handoff", state="urgent")
    if session.paused_until_ms > now:
        return Decision((), seen)  # a person is answering: the bot stays quiet
    first = session.state == "new"
    if event.kind is EventKind.START:
        return Decision(("welcome",), seen.with_(state="idle"))
    if event.kind is EventKind.MEDIA:
        return Decision(("media",), seen.with_(state="idle" if first else session.state))
    if event.kind is EventKind.BUTTON:
        key = BUTTON_REPLIES.get(event.payload, "fallback")
        return Decision((key,), seen.with_(state="idle"))
    if assessment is None:
        return Decision(("fallback",), seen.with_(state="idle"))
    action = assessment.triage.action
    opening = ("welcome",) if first and action in _ROUTINE else ()
    decision = _say(seen, assessment, action.value, state="idle")
    return Decision(opening + decision.replies, decision.session)


_ROUTINE = frozenset({Action.SMALLTALK, Action.FALLBACK, Action.INFO})


def _say(session: Session, assessment: Assessment, key: str, state: str) -> Decision:
    intent = assessment.triage.intent
    return Decision((key,), session.with_(state=state, last_intent=intent.value if intent else ""))
