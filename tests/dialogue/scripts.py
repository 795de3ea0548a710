"""Conversation scripts: what a person says or taps, and what they must get, written in YAML
(tests/dialogue/scripts/*.yml) so that content reviewers can read them and add their own.
docs/conversation-scripts.md describes the format in plain words.

This module loads and checks the files (an unknown key, a step without an expectation, a
button that was never shown: an error naming the file and the line), runs a script against
the pure engine with hand-made model readings (the fast tier), and holds the checks both tiers
share, so a step means the same thing against the engine and through the real webhook.
"""

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.channels.base import Button, EventKind, IncomingEvent, OutgoingMessage
from bot.content import Content
from bot.conversation import Conversation, buttons_last
from bot.dialogue.effects import JoinQueue, RecordCase
from bot.dialogue.engine import SAFE_WORDS
from bot.store.sessions import Session
from bot.understanding.assess import Assessment
from bot.understanding.classifier import Understanding
from bot.understanding.screen import Screening
from bot.understanding.taxonomy import (
    ACTION_BY_INTENT,
    CRISIS_INTENTS,
    HIGH_RISK_INTENTS,
    Action,
    Intent,
    Risk,
)
from bot.understanding.triage import Triage
from nlu.components.normaliser import Normaliser

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS_DIR = Path(__file__).resolve().parent / "scripts"
MAX_MESSAGES = 3  # a turn never says more, anywhere
MAX_CHILD_CHARS = 600  # one phone screen, for any message a child (or someone unknown) gets

SCRIPT_KEYS = {
    "name", "about", "who", "age", "start", "slots", "real", "xfail", "xfail_real", "steps",
}  # fmt: skip
STEP_KEYS = {"say", "tap", "open", "read_as", "expect", "note"}
EXPECT_KEYS = {
    "contains", "not", "buttons", "no_buttons", "only_buttons", "state", "who", "age",
    "at_most", "silent", "effects", "queue_notice",
}  # fmt: skip
WHO = ("child", "parent")
AGES = ("under13", "13-15", "16-17")


class ScriptError(ValueError):
    """A script that cannot be run as written: says where, so a reviewer can fix it."""


# --- the format ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reading:
    """What the model is taken to have read, for the fast tier only."""

    action: Action
    intent: Intent | None = None

    @property
    def crisis(self) -> bool:
        return self.action is Action.URGENT_HANDOFF


@dataclass(frozen=True, slots=True)
class Expect:
    contains: tuple[str, ...] = ()
    not_: tuple[str, ...] = ()
    buttons: tuple[str, ...] = ()
    no_buttons: tuple[str, ...] = ()
    only_buttons: tuple[str, ...] | None = None
    state: str = ""
    who: str = ""
    age: str = ""
    at_most: int = MAX_MESSAGES
    silent: bool = False
    effects: tuple[str, ...] = ()
    queue_notice: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Step:
    where: str  # "file.yml:12"
    say: str | None = None
    tap: str | None = None
    open: bool = False
    read_as: Reading | None = None
    expect: Expect = field(default_factory=Expect)

    @property
    def shown(self) -> str:
        if self.open:
            return "(opens the chat)"
        return f"taps [{self.tap}]" if self.tap is not None else repr(self.say)


@dataclass(frozen=True, slots=True)
class Script:
    name: str
    where: str
    steps: tuple[Step, ...]
    who: str = ""
    age: str = ""
    start: str = "new"
    slots: tuple[tuple[str, str], ...] = ()
    real: bool = False
    xfail: str = ""  # fails today, in both tiers: why
    xfail_real: str = ""  # fails today through the webhook only (the real model): why

    @property
    def id(self) -> str:
        return f"{Path(self.where.split(':')[0]).stem}: {self.name}"


class _Map(dict[str, Any]):
    """A YAML mapping that remembers the line of each key."""

    line: int = 0
    lines: dict[str, int]


class _Loader(yaml.SafeLoader):
    pass


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    found = _Map()
    found.line, found.lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in found:
            raise ScriptError(f"{key_node.start_mark.line + 1}: {key!r} twice")
        found[key] = loader.construct_object(value_node, deep=True)
        found.lines[str(key)] = key_node.start_mark.line + 1
    return found


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)


def load_all(directory: Path = SCRIPTS_DIR) -> list[Script]:
    scripts = [script for path in sorted(directory.glob("*.yml")) for script in load(path)]
    names = [script.id for script in scripts]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ScriptError(f"{directory}: scripts named twice: {twice}")
    return scripts


def load(path: Path) -> list[Script]:
    """A file holds one script, or several separated by `---`."""
    label = path.name
    try:
        documents = list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=_Loader))
    except yaml.YAMLError as error:
        raise ScriptError(f"{label}: not valid YAML: {error}") from error
    except ScriptError as error:
        raise ScriptError(f"{label}:{error}") from error
    return [_script(label, doc) for doc in documents if doc is not None]


def _script(label: str, doc: Any) -> Script:
    if not isinstance(doc, _Map):
        raise ScriptError(f"{label}: a script is a mapping with name and steps")
    where = f"{label}:{doc.line}"
    _known(label, doc, SCRIPT_KEYS, "script")
    name = _text(label, doc, "name", required=True)
    steps = doc.get("steps")
    if not isinstance(steps, list) or not steps:
        raise ScriptError(f"{where}: {name!r} has no steps")
    slots = doc.get("slots") or {}
    if not isinstance(slots, dict):
        raise ScriptError(f"{_at(label, doc, 'slots')}: slots is a mapping of names to texts")
    script = Script(
        name=name,
        where=where,
        steps=tuple(_step(label, step) for step in steps),
        who=_choice(label, doc, "who", WHO),
        age=_choice(label, doc, "age", AGES),
        start=_text(label, doc, "start") or "new",
        slots=tuple((str(k), str(v)) for k, v in slots.items()),
        real=_flag(label, doc, "real"),
        xfail=_text(label, doc, "xfail"),
        xfail_real=_text(label, doc, "xfail_real"),
    )
    if script.xfail_real and not script.real:
        raise ScriptError(f"{_at(label, doc, 'xfail_real')}: xfail_real is for real: true")
    if script.real and (script.start != "new" or script.who or script.age or script.slots):
        raise ScriptError(
            f"{where}: a script run through the webhook (real: true) starts as a new person:"
            " no start, who, age or slots"
        )
    return script


def _step(label: str, raw: Any) -> Step:
    if not isinstance(raw, _Map):
        raise ScriptError(f"{label}: a step is a mapping (say, tap or open, then expect)")
    where = f"{label}:{raw.line}"
    _known(label, raw, STEP_KEYS, "step")
    doing = [key for key in ("say", "tap", "open") if key in raw]
    if len(doing) != 1:
        raise ScriptError(f"{where}: a step has exactly one of say, tap or open, not {doing}")
    expect = raw.get("expect")
    if not isinstance(expect, _Map) or not expect:
        raise ScriptError(f"{where}: a step without an expectation (expect: ...)")
    if "read_as" in raw and "say" not in raw:
        raise ScriptError(f"{_at(label, raw, 'read_as')}: read_as is for what the person says")
    step = Step(
        where=where,
        say=_text(label, raw, "say", required=True) if "say" in raw else None,
        tap=_text(label, raw, "tap", required=True) if "tap" in raw else None,
        open=_flag(label, raw, "open"),
        read_as=_reading(label, raw) if "read_as" in raw else None,
        expect=_expect(label, expect),
    )
    if "open" in raw and not step.open:
        raise ScriptError(f"{where}: open: true, or no open at all")
    return step


def _expect(label: str, raw: _Map) -> Expect:
    _known(label, raw, EXPECT_KEYS, "expect")
    at_most = raw.get("at_most", MAX_MESSAGES)
    if not isinstance(at_most, int) or isinstance(at_most, bool) or not 0 < at_most <= 3:
        raise ScriptError(f"{_at(label, raw, 'at_most')}: at_most is 1, 2 or 3")
    only = raw.get("only_buttons")
    expect = Expect(
        contains=_texts(label, raw, "contains"),
        not_=_texts(label, raw, "not"),
        buttons=_texts(label, raw, "buttons"),
        no_buttons=_texts(label, raw, "no_buttons"),
        only_buttons=None if only is None else _texts(label, raw, "only_buttons"),
        state=_text(label, raw, "state"),
        who=_choice(label, raw, "who", WHO),
        age=_choice(label, raw, "age", AGES),
        at_most=at_most,
        silent=_flag(label, raw, "silent"),
        effects=_texts(label, raw, "effects"),
        queue_notice=_texts(label, raw, "queue_notice"),
    )
    said = expect.contains or expect.buttons or expect.only_buttons or expect.queue_notice
    if expect.silent and said:
        raise ScriptError(f"{_at(label, raw, 'silent')}: silent, yet something must be said")
    return expect


def _reading(label: str, raw: _Map) -> Reading:
    """An intent name ("report_bullying": its action follows TAXONOMY.md), an action name
    ("check_in", "fallback"), or both: {action: check_in, intent: crisis_immediate_danger}."""
    value, where = raw["read_as"], _at(label, raw, "read_as")
    try:
        if isinstance(value, dict) and set(value) <= {"action", "intent"} and "action" in value:
            intent = Intent(value["intent"]) if value.get("intent") else None
            return Reading(Action(value["action"]), intent)
        if isinstance(value, str) and value in Intent.__members__.values():
            return Reading(ACTION_BY_INTENT[Intent(value)], Intent(value))
        if isinstance(value, str) and value in Action.__members__.values():
            return Reading(Action(value), None)
    except ValueError as error:
        raise ScriptError(f"{where}: read_as: {error}") from error
    raise ScriptError(
        f"{where}: read_as is an intent or an action of TAXONOMY.md"
        f" (or {{action: ..., intent: ...}}), not {value!r}"
    )


def _known(label: str, raw: _Map, keys: set[str], what: str) -> None:
    for key in raw:
        if key not in keys:
            raise ScriptError(
                f"{_at(label, raw, key)}: unknown key {key!r} in a {what};"
                f" known: {', '.join(sorted(keys))}"
            )


def _at(label: str, raw: _Map, key: str) -> str:
    return f"{label}:{raw.lines.get(key, raw.line)}"


def _text(label: str, raw: _Map, key: str, required: bool = False) -> str:
    value = raw.get(key)
    if value is None and not required:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise ScriptError(f"{_at(label, raw, key)}: {key} must be a text")
    return str(value)


def _texts(label: str, raw: _Map, key: str) -> tuple[str, ...]:
    value = raw.get(key)
    if value is None:
        return ()
    if isinstance(value, str | int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise ScriptError(f"{_at(label, raw, key)}: {key} is a list of texts")
    return tuple(str(v) for v in value)


def _choice(label: str, raw: _Map, key: str, choices: Sequence[str]) -> str:
    value = _text(label, raw, key)
    if value and value not in choices:
        raise ScriptError(f"{_at(label, raw, key)}: {key} is one of {', '.join(choices)}")
    return value


def _flag(label: str, raw: _Map, key: str) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise ScriptError(f"{_at(label, raw, key)}: {key} is true or false")
    return value


# --- what a turn gave, and the checks both tiers share ----------------------------------


@dataclass(frozen=True, slots=True)
class Said:
    """What the person got in one turn, and where the conversation is after it."""

    texts: tuple[str, ...]
    buttons: tuple[tuple[str, str], ...]  # (title, payload) under the last message
    state: str
    who: str
    age: str
    effects: tuple[str, ...] | None = None  # the pure engine's; None through the webhook
    queue_notice: bool | None = None  # the pure engine: whether the turn joins the queue


def effect_names(effects: Iterable[Any]) -> list[str]:
    """The engine's effects as the scripts name them: "handoff:imminent" (join the queue),
    "raise:imminent" (move up without a notice), "where:normal" (asked where they are),
    "case", "relay", "leave", "check_in". The only place that reads effects."""
    names = []
    for effect in effects:
        if isinstance(effect, JoinQueue):
            how = "raise" if effect.quiet else "where" if effect.asked else "handoff"
            names.append(f"{how}:{effect.priority.value}")
        elif isinstance(effect, RecordCase):
            names.append("case")
        else:
            names.append(str(effect.value))
    return names


def crisis_step(step: Step, normaliser: Normaliser) -> bool:
    """A crisis (as the script reads it) or the safe word: never met with silence."""
    if step.say is None:
        return False
    return bool(step.read_as and step.read_as.crisis) or (
        normaliser.plain(step.say).strip() in SAFE_WORDS
    )


def problems(step: Step, said: Said, crisis: bool) -> list[str]:
    """Everything wrong with what the person got at this step, in words a reviewer reads:
    first the rules that hold everywhere, then what the step expects."""
    return _always(step, said, crisis) + _words(step, said) + _where(step, said)


def _always(step: Step, said: Said, crisis: bool) -> list[str]:
    wrong = []
    count = len(said.texts) + (1 if said.queue_notice else 0)  # the engine: the notice too
    if count > step.expect.at_most:
        wrong.append(f"{count} messages, at most {step.expect.at_most}")
    if crisis and not said.texts:
        wrong.append("silence after a crisis or the safe word")
    if said.who != "parent":
        wrong += [
            f"a message of {len(text)} characters for a child (at most {MAX_CHILD_CHARS})"
            for text in said.texts
            if len(text) > MAX_CHILD_CHARS
        ]
    return wrong


def _words(step: Step, said: Said) -> list[str]:
    expect, wrong = step.expect, []
    everything = "\n".join(said.texts).casefold()
    titles = sorted(title.casefold() for title, _ in said.buttons)
    if expect.silent and said.texts:
        wrong.append("the bot should say nothing here")
    wrong += [f"never said {w!r}" for w in expect.contains if w.casefold() not in everything]
    wrong += [f"said {w!r}" for w in expect.not_ if w.casefold() in everything]
    wrong += [f"no button {b!r}" for b in expect.buttons if b.casefold() not in titles]
    wrong += [f"a button {b!r}" for b in expect.no_buttons if b.casefold() in titles]
    only = expect.only_buttons
    if only is not None and titles != sorted(b.casefold() for b in only):
        wrong.append(f"buttons should be exactly {list(only)}")
    if said.effects is None:  # through the webhook: the notice is among the messages
        wrong += [
            f"the queue never said {w!r}"
            for w in expect.queue_notice
            if w.casefold() not in everything
        ]
    return wrong


def _where(step: Step, said: Said) -> list[str]:
    expect, wrong = step.expect, []
    for key, want, got in (
        ("state", expect.state, said.state),
        ("who", expect.who, said.who),
        ("age", expect.age, said.age),
    ):
        if want and want != got:
            wrong.append(f"{key} is {got or '(not known)'!r}, expected {want!r}")
    if said.effects is not None:
        wrong += [f"no effect {e!r}" for e in expect.effects if e not in said.effects]
        if expect.queue_notice and not said.queue_notice:
            wrong.append("the turn does not join the queue, so no queue notice comes")
    return wrong


def report(script: Script, step: Step, number: int, said: Said, wrong: list[str]) -> str:
    """The failure as a reviewer reads it: the step, what was wrong, what the person got."""
    got = "\n".join(f"    | {line}" for text in said.texts for line in text.splitlines())
    buttons = " ".join(f"[{title}]" for title, _ in said.buttons)
    lines = [
        f"{step.where}: {script.name!r}, step {number}: the person {step.shown}",
        *(f"  - {item}" for item in wrong),
        "  got:",
        got or "    (nothing)",
        f"  buttons: {buttons or '(none)'}; state: {said.state}"
        + (
            f"; effects: {', '.join(said.effects) or '(none)'}" if said.effects is not None else ""
        ),
    ]
    return "\n".join(lines)


def button(step: Step, shown: Sequence[Sequence[tuple[str, str]]]) -> str:
    """The payload of the button the step taps: the newest shown with that title, under the
    last message or an earlier one (Zalo and the web chat keep old buttons on screen: a stale
    button). A title never shown is an error."""
    assert step.tap is not None
    for buttons in reversed(shown):
        for title, payload in buttons:
            if title.casefold() == step.tap.casefold():
                return payload
    raise ScriptError(f"{step.where}: no button [{step.tap}] was shown before this step")


# --- the fast tier: the pure engine, the real content, the script's readings --------------

CONTENT = Content.load(ROOT / "content")
NORMALISER = Normaliser.from_content(ROOT / "content" / "nlu")
CONVERSATION = Conversation(CONTENT, NORMALISER)
NOTICE_BUTTONS = tuple(
    (str(b["title"]), str(b["payload"])) for b in CONTENT.node("handoff.nobody_online.buttons")
)
NOTICE_BUTTONS_SENT = tuple(Button(title, payload) for title, payload in NOTICE_BUTTONS)
_events = itertools.count(1)


def assessment(reading: Reading) -> Assessment:
    intent = reading.intent
    risk = (
        Risk.IMMINENT
        if reading.crisis or intent in CRISIS_INTENTS
        else Risk.HIGH
        if intent in HIGH_RISK_INTENTS
        else Risk.NONE
    )
    understanding = Understanding(intent, 0.9, ((intent, 0.9),) if intent else ())
    return Assessment(
        understanding, Screening(Risk.NONE), Triage(intent, 0.9, reading.action, risk)
    )


def run_fast(script: Script) -> None:
    """Plays the script against `Conversation.respond`; raises AssertionError at the first
    step that goes wrong. The queue is not there: a turn that joins it counts its notice
    (one message, its buttons) and `queue_notice` only checks that the turn joins it."""
    session = Session(
        state=script.start, audience=script.who, age_band=script.age, slots=dict(script.slots)
    )
    shown: list[tuple[tuple[str, str], ...]] = []
    for number, step in enumerate(script.steps, 1):
        event, seen = _event(step, shown, number)
        messages, effects, session = CONVERSATION.respond(session, event, seen)
        names = tuple(effect_names(effects))
        joins = any(name.startswith(("handoff:", "where:")) for name in names)
        shown_now = list(messages)
        if joins:  # the queue's notice comes last, with the turn's buttons moved onto it
            shown_now = buttons_last([*messages, OutgoingMessage("", NOTICE_BUTTONS_SENT)])
            # as the worker does: a typed "2" then means the notice's second button
            session = CONVERSATION.offer(session, shown_now[-1])
        under = [tuple((b.title, b.payload) for b in m.buttons) for m in shown_now]
        buttons = under[-1] if under else ()
        said = Said(
            tuple(m.text for m in messages), buttons, session.state, session.audience,
            session.age_band, names, joins,
        )  # fmt: skip
        wrong = problems(step, said, crisis_step(step, NORMALISER))
        if wrong:
            raise AssertionError(report(script, step, number, said, wrong))
        shown += [b for b in under if b]


def _event(
    step: Step, shown: Sequence[Sequence[tuple[str, str]]], number: int
) -> tuple[IncomingEvent, Assessment | None]:
    at_ms = 1_800_000_000_000 + number * 60_000
    eid = f"script-{next(_events)}"
    if step.open:
        return IncomingEvent("webchat", "script", eid, EventKind.START, at_ms), None
    if step.tap is not None:
        payload = button(step, shown)
        event = IncomingEvent("webchat", "script", eid, EventKind.BUTTON, at_ms, step.tap, payload)
        return event, None
    reading = step.read_as or Reading(Action.FALLBACK, Intent.OUT_OF_SCOPE)
    text = step.say or ""
    return IncomingEvent("webchat", "script", eid, EventKind.TEXT, at_ms, text), assessment(
        reading
    )
