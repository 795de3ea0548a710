"""The dialogue engine: (session, turn) → (replies, effects, new session). Pure: no I/O.

It turns what came in into a trigger, looks the trigger up in `table.TABLE` for the current
state, and fills the texts' placeholders from the conversation's slots.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.channels.base import EventKind
from bot.dialogue import typed
from bot.dialogue.buttons import ASKING, BUTTONS, CHOICES
from bot.dialogue.effects import (
    Effect,
    JoinQueue,
    Priority,
    fill,
)
from bot.dialogue.table import (
    AGAIN,
    ANY,
    DISCLOSURE,
    EVERYWHERE,
    HANDOFF_MARKS,
    MOVES,
    OPENERS,
    PAUSE_AFTER_HUMAN_MS,
    PAUSE_PASSES,
    TABLE,
    TURN_MARKS,
    Say,
    State,
    Step,
    Trigger,
)
from bot.store.sessions import Session
from bot.understanding.taxonomy import (
    CRISIS_INTENTS,
    HIGH_RISK_INTENTS,
    REPORT_INTENTS,
    Action,
    Intent,
)

SAFE_WORDS = frozenset({"111", "cuu", "cuu em", "sos"})  # normalised, without diacritics
_SLOT = re.compile(r"\{(\w+)\}")
_LINK = re.compile(r"https?://\S+|www\.\S+|@[\w.]{2,}")
KINDS = {EventKind.STOP: Trigger.STOP, EventKind.HUMAN_REPLY: Trigger.HUMAN_REPLY}


@dataclass(frozen=True, slots=True)
class Turn:
    """What came in, already understood (the engine itself reads no model and no network)."""

    kind: EventKind
    now_ms: int
    text: str = ""  # as typed
    plain: str = ""  # normalised, without diacritics
    payload: str = ""
    action: Action | None = None
    intent: Intent | None = None
    platform: str = ""  # platform id when one was named ("facebook", "lien_quan", ...)
    topic: str = ""  # advice topic picked by keywords
    answer: str = ""  # the button a typed answer to the current question means
    audience: str = ""  # "parent" or "child" when the words say who is writing ("con tôi")
    age_band: str = ""  # when the words give an age or a grade ("em 14 tuổi", "lớp 8")
    sad: bool = False  # nothing but sad emoji ("😭😭😭")


@dataclass(frozen=True, slots=True)
class Reply:
    key: str
    params: tuple[tuple[str, str], ...] = ()
    buttons: tuple[tuple[str, str], ...] = ()  # (title or title key, payload)


@dataclass(frozen=True, slots=True)
class Decision:
    replies: tuple[Reply, ...]
    effects: tuple[Effect, ...]
    session: Session


@dataclass(frozen=True, slots=True)
class Catalogue:
    """What the engine may offer, from content: platform ids and names, advice topics."""

    platforms: Mapping[str, str]  # id → name
    topics: Mapping[str, str]  # id → button title


NO_CATALOGUE = Catalogue({}, {})


def decide(session: Session, turn: Turn, catalogue: Catalogue) -> Decision:
    """A turn of the person's (or of the platform's, for a follow or a human reply)."""
    if turn.kind in KINDS:
        return _apply(session, KINDS[turn.kind], {}, catalogue, turn.now_ms)
    seen = _who(session.with_(last_user_message_ms=turn.now_ms), turn)
    trigger, slots = _trigger(seen, turn)
    trigger = _in_context(seen, trigger, slots)
    if session.paused_until_ms > turn.now_ms and trigger not in PAUSE_PASSES:
        return Decision((), (), seen)  # a person answers in the platform's own tool
    decision = _apply(seen, trigger, slots, catalogue, turn.now_ms)
    new = decision.session.with_(
        last_intent=turn.intent.value if turn.intent else seen.last_intent
    )
    new = _onboarding(new, slots.get("_payload", ""))
    return Decision(decision.replies, decision.effects, new)


def moved(session: Session, move: Trigger, handoff_id: str = "") -> Decision:
    """A move of the console's (a counselor joined, passed on, requeued, released, closed)."""
    if move not in MOVES:
        raise ValueError(f"not a console move: {move}")
    if handoff_id:
        session = session.with_(slots={**session.slots, "handoff_id": handoff_id})
    decision = _apply(session, move, {}, NO_CATALOGUE, 0)
    # buttons offered before the move belong to another turn: none is current any more
    after = decision.session.with_(
        slots={**decision.session.slots, "offered": [], "offered_titles": []}
    )
    return Decision(decision.replies, decision.effects, after)


def _step(state: str, trigger: str) -> Step:
    row = TABLE.get((state, trigger))
    if row is None and trigger not in EVERYWHERE:
        row = TABLE.get((state, ANY))
    return row or TABLE.get((ANY, trigger)) or TABLE[(ANY, Trigger.FALLBACK)]


def _apply(
    seen: Session, trigger: str, found: dict[str, str], catalogue: Catalogue, now_ms: int
) -> Decision:
    """The row for (state, trigger) applied: its replies, effects, next state and marks."""
    step = _step(seen.state, trigger)
    slots = {**seen.slots, **found}
    high = slots.get("priority") == Priority.HIGH
    says = [
        say
        for say in step.say
        if (not say.only or say.only == seen.audience)
        and (not say.when or (say.when == "high") == high)
    ]
    replies = tuple(
        r for say in says if (r := _reply(say, slots, catalogue, seen.audience)) is not None
    )
    if seen.state == State.NEW and trigger not in OPENERS and trigger not in EVERYWHERE:
        # the first reply says who is answering, with the menu for this person (a parent's
        # "Báo một sự việc", not a child's "Em cần giúp đỡ")
        replies = (Reply(DISCLOSURE, (), _buttons("menu", catalogue, seen.audience)),) + replies
    known = seen.state in State.__members__.values() and seen.state != State.NEW
    to = step.to or (State(seen.state) if known else State.IDLE)
    effects = fill(step.effects, slots)
    if any(isinstance(e, JoinQueue) for e in effects) and to != State.COUNSELOR:
        to = State.WAITING  # joining the queue means waiting for a counselor
    gone = set(step.drops) | TURN_MARKS | {"_payload"}
    if to not in (State.WAITING, State.COUNSELOR):
        gone |= HANDOFF_MARKS
    kept = {k: v for k, v in slots.items() if k not in gone}
    kept.update(dict.fromkeys(step.marks, "1"))
    new = seen.with_(state=to.value, slots=kept)
    if step.pause:
        new = new.with_(paused_until_ms=now_ms + PAUSE_AFTER_HUMAN_MS)
    return Decision(replies, effects, new)


def _who(session: Session, turn: Turn) -> Session:
    """Who is writing, from their own words: "con tôi…" is a parent from the first reply."""
    if turn.audience and not session.audience:
        session = session.with_(audience=turn.audience)
    if turn.age_band and not session.age_band:
        session = session.with_(age_band=turn.age_band)
    return session


def _in_context(session: Session, trigger: str, slots: dict[str, str]) -> str:
    """The trigger as the current state reads it: an old button, still on screen, re-asks
    the current question; then the table's AGAIN rows (a crisis after the numbers, a
    question asked twice)."""
    state = session.state
    if "_payload" in slots and state in ASKING and not _has_row(state, trigger):
        trigger = Trigger.UNANSWERED
    marks = session.slots
    for again in AGAIN:
        if again.state not in (ANY, state) or not marks.get(again.mark):
            continue
        if again.unless and marks.get(again.unless):
            continue
        if again.trigger == trigger or (again.trigger == ANY and _unlisted(state, trigger)):
            return again.becomes
    return trigger


def _unlisted(state: str, trigger: str) -> bool:
    """A trigger the state has no row of its own for (its `*` row would take it)."""
    return (state, trigger) not in TABLE and trigger not in EVERYWHERE


def _has_row(state: str, trigger: str) -> bool:
    return (state, trigger) in TABLE or (ANY, trigger) in TABLE


def _trigger(session: Session, turn: Turn) -> tuple[str, dict[str, str]]:
    """The table's trigger for this turn, and the slots it fills."""
    if turn.kind is EventKind.TEXT and turn.plain.strip() in SAFE_WORDS:
        return Trigger.SAFE_WORD, {"category": "safe_word", "priority": Priority.IMMINENT}
    # A typed answer that is one of the offered buttons is that answer, whatever a model
    # would read into two words out of context ("vẫn đang" for "Vẫn đang xảy ra").
    payload = turn.payload or typed.title(session, turn)
    if not payload and turn.action is Action.URGENT_HANDOFF:
        crisis = turn.intent.value if turn.intent in CRISIS_INTENTS else "crisis"
        return Trigger.CRISIS, {"category": crisis, "priority": Priority.IMMINENT}
    if turn.kind is EventKind.MEDIA:
        return Trigger.MEDIA, {}
    if turn.kind is EventKind.START:
        return Trigger.START, {}
    payload = (
        payload
        or typed.onboarding(session, turn)
        or typed.answer(session, turn)
        or typed.yes_no(session, turn)
    )
    if payload:
        trigger, slots = _payload_trigger(payload)
        return trigger, {**slots, "_payload": payload}
    return _text_trigger(session, turn)


def _payload_trigger(payload: str) -> tuple[str, dict[str, str]]:
    name, _, value = payload.partition(":")
    slot = {"AGE": "age_band", "PLATFORM": "platform", "ADVICE_TOPIC": "topic"}.get(name)
    if slot and value:
        trigger = Trigger.ADVICE_TOPIC if name == "ADVICE_TOPIC" else name
        return trigger, {slot: value}
    if name == "CHECK_IN_YES":  # yes, thinking of self-harm: the crisis path
        crisis = Intent.CRISIS_SELF_HARM.value
        return Trigger.CRISIS, {"category": crisis, "priority": Priority.IMMINENT}
    if name in ("ONGOING_YES", "ONGOING_NO"):
        return name, {"ongoing": "yes" if name == "ONGOING_YES" else "no"}
    return name, {}


def _text_trigger(session: Session, turn: Turn) -> tuple[str, dict[str, str]]:
    routine = turn.action in (None, Action.FALLBACK, Action.SMALLTALK)
    if turn.sad:
        # nothing but sad emoji is no report and no question: an invitation to talk (never
        # "Không sao đâu"), whatever the model read into "😭😭😭" (a crisis reading with
        # evidence never comes here: it was taken first)
        return Trigger.SAD_EMOJI, {}
    if routine and session.state in CHOICES:
        return Trigger.UNANSWERED, {}  # no answer and nothing else: ask once more, then go on
    return _free_text_trigger(session, turn)


def _free_text_trigger(session: Session, turn: Turn) -> tuple[str, dict[str, str]]:
    intent, action = turn.intent, turn.action
    if session.state == State.WHAT and action not in (Action.HANDOFF,):
        slots = {"summary": turn.text[:500], "links": " ".join(_LINK.findall(turn.text))}
        platform = turn.platform or session.slots.get("platform", "")
        if platform:
            return Trigger.TEXT_WITH_PLATFORM, {**slots, "platform": platform}
        return Trigger.TEXT, slots
    if session.state == State.PLATFORM and action is not Action.HANDOFF:
        return "PLATFORM", {"platform": turn.platform or "other"}
    if action is Action.REPORT and intent in REPORT_INTENTS:
        slots = {
            "category": intent.value,
            "platform": turn.platform or session.slots.get("platform", ""),
        }
        high = intent in HIGH_RISK_INTENTS
        return (Trigger.REPORT_HIGH if high else Trigger.REPORT), {
            **slots,
            "priority": Priority.HIGH if high else Priority.NORMAL,
        }
    if action is Action.ADVICE and turn.topic:
        return Trigger.ADVICE_TOPIC, {"topic": turn.topic}
    if action is Action.INFO and intent:
        return f"info:{intent.value}", {}
    if action is Action.SMALLTALK and session.state == State.NEW and intent is Intent.GREET:
        return Trigger.GREETING, {}
    if action is Action.SMALLTALK and intent:
        return f"smalltalk:{intent.value}", {}
    return (action.value if action else Trigger.FALLBACK), {}


def _reply(say: Say, slots: dict[str, str], catalogue: Catalogue, audience: str) -> Reply | None:
    key = say.key
    if say.unless == "platform" and slots.get("platform", "") in catalogue.platforms:
        return None  # the app is known: its own steps are said instead
    names = _SLOT.findall(key)
    if any(not slots.get(name) for name in names):
        return None  # e.g. no platform named: no platform steps
    if "platform" in names and slots["platform"] not in catalogue.platforms:
        return None
    filled = key.format_map(slots)
    params = (
        ("platform", catalogue.platforms.get(slots.get("platform", ""), "")),
        ("label_key", f"reports.categories.{slots.get('category', '')}.label"),
    )
    return Reply(filled, params, _buttons(say.buttons, catalogue, audience))


def _buttons(name: str, catalogue: Catalogue, audience: str = "") -> tuple[tuple[str, str], ...]:
    if name == "platforms":
        items = [(title, f"PLATFORM:{pid}") for pid, title in catalogue.platforms.items()]
        return tuple(items[:12]) + (("Ứng dụng khác", "PLATFORM:other"),)
    if name == "topics":
        return tuple((title, f"ADVICE_TOPIC:{tid}") for tid, title in catalogue.topics.items())[
            :13
        ]
    return BUTTONS.get(f"{name}:{audience}") or BUTTONS.get(name, ())


def _onboarding(session: Session, payload: str) -> Session:
    if payload == "AUDIENCE_CHILD":
        return session.with_(audience="child")
    if payload == "AUDIENCE_PARENT":
        return session.with_(audience="parent")
    if payload.startswith("AGE:"):
        return session.with_(
            age_band=payload.partition(":")[2], audience=session.audience or "child"
        )
    return session
