"""The dialogue engine: (session, turn) → (replies, effects, new session). Pure: no I/O.

It turns what came in into a trigger, looks the trigger up in `table.TABLE` for the current
state, and fills the texts' placeholders from the conversation's slots.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.channels.base import EventKind
from bot.dialogue.table import ASKING, BUTTONS, CHOICES, QUESTIONS, TABLE, Say, State, Step
from bot.store.sessions import Session
from bot.understanding.taxonomy import (
    CRISIS_INTENTS,
    HIGH_RISK_INTENTS,
    REPORT_INTENTS,
    Action,
    Intent,
)

DISCLOSURE = "replies.welcome"
OPENERS = frozenset({"safe_word", "crisis", "start", "greeting"})  # say it, or cannot wait
SAFE_WORDS = frozenset({"111", "cuu", "cuu em", "sos"})  # normalised, without diacritics
PAUSE_AFTER_HUMAN_MS = 30 * 60 * 1000
_SLOT = re.compile(r"\{(\w+)\}")
_LINK = re.compile(r"https?://\S+|www\.\S+|@[\w.]{2,}")


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
class Effect:
    kind: str  # "handoff" or "case"
    detail: tuple[tuple[str, str], ...] = ()


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


def decide(session: Session, turn: Turn, catalogue: Catalogue) -> Decision:
    if turn.kind is EventKind.HUMAN_REPLY:
        return Decision((), (), session.with_(paused_until_ms=turn.now_ms + PAUSE_AFTER_HUMAN_MS))
    seen = _who(session.with_(last_user_message_ms=turn.now_ms), turn)
    trigger, slots = _trigger(seen, turn)
    trigger = _in_context(seen, trigger, slots)
    if session.paused_until_ms > turn.now_ms and trigger not in {"safe_word", "crisis"}:
        return Decision((), (), seen)  # a person answers in the platform's own tool
    step = (
        TABLE.get((seen.state, trigger))
        or TABLE.get((seen.state, "*"))
        or TABLE.get(("*", trigger))
        or TABLE[("*", "fallback")]
    )
    slots = {**seen.slots, **slots}
    high = slots.get("priority") == "high"
    says = [
        say
        for say in step.say
        if (not say.only or say.only == seen.audience)
        and (not say.when or (say.when == "high") == high)
    ]
    replies = tuple(
        r for say in says if (r := _reply(say, slots, catalogue, seen.audience)) is not None
    )
    if seen.state == State.NEW and trigger not in OPENERS:
        replies = (Reply(DISCLOSURE),) + replies  # the first reply says who is answering
    known = seen.state in State.__members__.values() and seen.state != State.NEW
    to = step.to or (State(seen.state) if known else State.IDLE)
    effects = _effects(step, slots)
    if any(e.kind == "handoff" for e in effects) and to != State.COUNSELOR:
        to = State.WAITING  # joining the queue means waiting for a counselor
    new = seen.with_(
        state=to.value,
        slots=slots,
        last_intent=turn.intent.value if turn.intent else seen.last_intent,
    )
    if trigger in ("crisis", "safe_word"):
        new = new.with_(slots={**new.slots, "urgent_given": "1"})
    elif trigger == "crisis_again":
        new = new.with_(slots={**new.slots, "script_given": "1"})
    elif to not in (State.WAITING, State.COUNSELOR):
        gone = ("urgent_given", "script_given")
        new = new.with_(slots={k: v for k, v in new.slots.items() if k not in gone})
    reasked = {"reasked": seen.state} if trigger == "unanswered" else {}
    new = new.with_(slots={**{k: v for k, v in new.slots.items() if k != "reasked"}, **reasked})
    new = _onboarding(new, slots.get("_payload", ""))
    new = new.with_(slots={k: v for k, v in new.slots.items() if k != "_payload"})
    return Decision(replies, effects, new)


def _who(session: Session, turn: Turn) -> Session:
    """Who is writing, from their own words: "con tôi…" is a parent from the first reply."""
    if turn.audience and not session.audience:
        session = session.with_(audience=turn.audience)
    if turn.age_band and not session.age_band:
        session = session.with_(age_band=turn.age_band)
    return session


def _in_context(session: Session, trigger: str, slots: dict[str, str]) -> str:
    """The trigger as the current state reads it."""
    state = session.state
    if trigger == "crisis" and state == State.WAITING and session.slots.get("urgent_given"):
        # the numbers were given: a safety script once, then short company, never silence
        return "crisis_more" if session.slots.get("script_given") else "crisis_again"
    if "_payload" in slots and state in ASKING and not _has_row(state, trigger):
        trigger = "unanswered"  # an old button, still on screen, tapped again
    if trigger == "unanswered" and session.slots.get("reasked") == state:
        return "unanswered_again"
    return trigger


def _has_row(state: str, trigger: str) -> bool:
    return (state, trigger) in TABLE or ("*", trigger) in TABLE


def _trigger(session: Session, turn: Turn) -> tuple[str, dict[str, str]]:
    """The table's trigger for this turn, and the slots it fills."""
    if turn.kind is EventKind.TEXT and turn.plain.strip() in SAFE_WORDS:
        return "safe_word", {"category": "safe_word"}
    # A typed answer that is one of the offered buttons is that answer, whatever a model
    # would read into two words out of context ("vẫn đang" for "Vẫn đang xảy ra").
    payload = turn.payload or _typed_title(session, turn)
    if not payload and turn.action is Action.URGENT_HANDOFF:
        crisis = turn.intent.value if turn.intent in CRISIS_INTENTS else "crisis"
        return "crisis", {"category": crisis}
    if turn.kind is EventKind.MEDIA:
        return "media", {}
    if turn.kind is EventKind.START:
        return "start", {}
    payload = (
        payload
        or _typed_onboarding(session, turn)
        or _typed_answer(session, turn)
        or _typed_yes_no(session, turn)
    )
    if payload:
        trigger, slots = _payload_trigger(payload)
        return trigger, {**slots, "_payload": payload}
    return _text_trigger(session, turn)


def _payload_trigger(payload: str) -> tuple[str, dict[str, str]]:
    name, _, value = payload.partition(":")
    slot = {"AGE": "age_band", "PLATFORM": "platform", "ADVICE_TOPIC": "topic"}.get(name)
    if slot and value:
        trigger = "advice_topic" if name == "ADVICE_TOPIC" else name
        return trigger, {slot: value}
    if name == "CHECK_IN_YES":  # yes, thinking of self-harm: the crisis path
        return "crisis", {"category": Intent.CRISIS_SELF_HARM.value}
    if name in ("ONGOING_YES", "ONGOING_NO"):
        return name, {"ongoing": "yes" if name == "ONGOING_YES" else "no"}
    return name, {}


def _typed_title(session: Session, turn: Turn) -> str:
    """A typed answer where buttons were offered: its number (Zalo lists them numbered), its
    title, or the start of its title in two words or more."""
    offered = session.slots.get("offered") or []
    plain = turn.plain.strip()
    if not offered or not plain:
        return ""
    if plain.isdigit() and 1 <= int(plain) <= len(offered):
        return str(offered[int(plain) - 1][1])
    for title, payload in offered:
        if plain == title or (len(plain.split()) >= 2 and f"{title} ".startswith(f"{plain} ")):
            return str(payload)
    return ""


def _typed_onboarding(session: Session, turn: Turn) -> str:
    """ "em là học sinh", "tôi là mẹ cháu", "em 14 tuổi" where the bot asked who or how old."""
    if not _short_or_routine(turn):
        return ""  # "con tôi 12 tuổi bị…": a report, not only an answer
    if session.state == State.AUDIENCE and turn.audience:
        if turn.audience == "child" and turn.age_band:
            return f"AGE:{turn.age_band}"  # "em 14 tuổi": a child, and the age: both answered
        return "AUDIENCE_PARENT" if turn.audience == "parent" else "AUDIENCE_CHILD"
    if session.state in (State.AUDIENCE, State.AGE) and turn.age_band:
        return f"AGE:{turn.age_band}"
    return ""


def _typed_answer(session: Session, turn: Turn) -> str:
    """The button a typed answer to the current question means ("vẫn đang tiếp diễn" for
    "Vẫn đang xảy ra"), unless a longer text is plainly about something else."""
    if not turn.answer or session.state not in QUESTIONS:
        return ""
    return turn.answer if _short_or_routine(turn) else ""


def _short_or_routine(turn: Turn) -> bool:
    routine = turn.action in (None, Action.FALLBACK, Action.SMALLTALK, Action.CHECK_IN)
    return routine or len(turn.plain.split()) <= 6


def _typed_yes_no(session: Session, turn: Turn) -> str:
    """ "có", "ừ", "không"… where a yes/no question was asked."""
    offered = {str(payload) for _, payload in session.slots.get("offered") or []}
    yes_no = {
        Intent.AFFIRM: ("CHECK_YES", "ONGOING_YES", "CHECK_IN_YES"),
        Intent.DENY: ("CHECK_NO", "ONGOING_NO", "CHECK_IN_NO"),
    }
    choices = yes_no.get(turn.intent, ()) if turn.intent else ()
    return next((payload for payload in choices if payload in offered), "")


def _text_trigger(session: Session, turn: Turn) -> tuple[str, dict[str, str]]:
    routine = turn.action in (None, Action.FALLBACK, Action.SMALLTALK)
    if routine and turn.sad:
        return "sad_emoji", {}  # an invitation to talk, never "Không sao đâu"
    if routine and session.state in CHOICES:
        return "unanswered", {}  # no answer and nothing else: ask once more, then go on
    return _free_text_trigger(session, turn)


def _free_text_trigger(session: Session, turn: Turn) -> tuple[str, dict[str, str]]:
    intent, action = turn.intent, turn.action
    if session.state == State.WHAT and action not in (Action.HANDOFF,):
        slots = {"summary": turn.text[:500], "links": " ".join(_LINK.findall(turn.text))}
        platform = turn.platform or session.slots.get("platform", "")
        if platform:
            return "text_with_platform", {**slots, "platform": platform}
        return "text", slots
    if session.state == State.PLATFORM and action is not Action.HANDOFF:
        return "PLATFORM", {"platform": turn.platform or "other"}
    if action is Action.REPORT and intent in REPORT_INTENTS:
        slots = {
            "category": intent.value,
            "platform": turn.platform or session.slots.get("platform", ""),
        }
        high = intent in HIGH_RISK_INTENTS
        return ("report_high" if high else "report"), {
            **slots,
            "priority": "high" if high else "normal",
        }
    if action is Action.ADVICE and turn.topic:
        return "advice_topic", {"topic": turn.topic}
    if action is Action.INFO and intent:
        return f"info:{intent.value}", {}
    if action is Action.SMALLTALK and session.state == State.NEW and intent is Intent.GREET:
        return "greeting", {}
    if action is Action.SMALLTALK and intent:
        return f"smalltalk:{intent.value}", {}
    return (action.value if action else "fallback"), {}


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


def _effects(step: Step, slots: dict[str, str]) -> tuple[Effect, ...]:
    priority = slots.get("priority") or "normal"
    handoffs, others = [], []
    for spec in step.effects:
        kind, _, value = spec.partition(":")
        if kind == "raise":
            handoffs.append(Effect("handoff", (("priority", value), ("quiet", "1"))))
        elif kind == "where":
            asked = priority if value == "{priority}" else value
            handoffs.append(Effect("handoff", (("priority", asked), ("asked", "1"))))
        elif kind != "handoff":
            others.append(kind)
        elif value == "{priority}" or (value == "high?" and priority == "high"):
            handoffs.append(Effect("handoff", (("priority", priority),)))
        elif value != "high?":  # "high?": only high-priority reports are queued unasked
            handoffs.append(Effect("handoff", (("priority", value),)))
    effects = []
    for kind in others:
        if kind == "case" and (slots.get("category") or handoffs):
            keep = ("category", "platform", "summary", "links", "ongoing", "priority")
            detail = {k: slots[k] for k in keep if slots.get(k)}
            detail.setdefault("category", "unknown")  # a person asked for: the counselor sorts it
            effects.append(Effect("case", tuple(detail.items())))
        elif kind in ("relay", "leave", "check_in"):
            effects.append(Effect(kind))
    return tuple(effects + handoffs)
