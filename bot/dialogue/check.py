"""`make check-content`: the texts the conversation can say exist and keep the rules.

Every key the table can produce exists (for every report category, advice topic and
platform) with a child and a parent version, button titles ≤ 20 characters, messages
≤ 2000, no empty text, only known placeholders, no child's button title written where a
parent sees it too, every state reachable, and every step that ends a flow shows the way to
a person (111 in its text, or the counselor button). Short enough for a phone: a
child-version message ≤ 600 characters, and no turn says more than 3 messages (counting the
queue's notice when the step joins the queue, and the disclosure of a first reply).
"""

import re
import string
from collections.abc import Iterator
from itertools import product
from typing import Any

from bot.content import AUDIENCES, Content, ContentError
from bot.dialogue.buttons import BUTTONS
from bot.dialogue.catalogue import Finder
from bot.dialogue.effects import Queue
from bot.dialogue.table import DISCLOSURE, OPENERS, TABLE, State
from bot.handoff.service import HANDOFF_NOTICES
from bot.understanding.taxonomy import REPORT_INTENTS
from nlu.components.normaliser import Normaliser

MAX_TEXT = 2000
MAX_CHILD_TEXT = 600  # one phone screen
MAX_MESSAGES = 3
MAX_TITLE = 20
PLACEHOLDERS = {"platform", "label", "position", "minutes"}
_SLOT = re.compile(r"\{(\w+)\}")
FLOW_ENDS = {State.IDLE, State.WAITING}


def check_content(content: Content, normaliser: Normaliser) -> list[str]:
    problems: list[str] = []
    finder = Finder(content, normaliser)
    slots: dict[str, list[str]] = {
        "category": sorted(intent.value for intent in REPORT_INTENTS),
        "topic": sorted(finder.catalogue.topics),
        "platform": sorted(finder.catalogue.platforms),
    }
    for key in sorted(_keys(slots) | {DISCLOSURE} | HANDOFF_NOTICES):
        problems += _check_text(content, key)
    problems += _check_buttons(content, finder)
    problems += _check_leaves(content.tree, "")
    problems += _check_one_voice(content.tree)
    problems += _check_states()
    problems += _check_flow_ends(content, slots)
    problems += _check_turn_lengths()
    return problems


def _check_turn_lengths() -> list[str]:
    problems = []
    for (state, trigger), step in TABLE.items():
        first = state in ("*", State.NEW) and trigger not in OPENERS
        for audience, priority in product(AUDIENCES, ("normal", "high")):
            notice = any(
                isinstance(e, Queue) and not e.quiet and (not e.only_high or priority == "high")
                for e in step.effects
            )
            said = [
                say
                for say in step.say
                if (not say.only or say.only == audience)
                and (not say.when or say.when == priority)
                and not say.unless  # said instead of another one, never beside it
            ]
            count = len(said) + notice + (first and bool(said))
            if count > MAX_MESSAGES:
                problems.append(
                    f"({state}, {trigger}) says {count} messages to a {audience} ({priority})"
                )
    return problems


def _keys(slots: dict[str, list[str]]) -> set[str]:
    keys = set()
    for step in TABLE.values():
        for say in step.say:
            keys |= set(_expand(say.key, slots))
    return keys


def _expand(key: str, slots: dict[str, list[str]]) -> Iterator[str]:
    names = _SLOT.findall(key)
    if not names:
        yield key
        return
    name = names[0]
    for value in slots[name]:
        yield from _expand(key.replace(f"{{{name}}}", value, 1), slots)


def _check_text(content: Content, key: str) -> list[str]:
    problems = []
    for audience in AUDIENCES:
        try:
            text = content.text(key, audience, {"platform": "Zalo", "label": "x"})
        except ContentError as error:
            problems.append(str(error))
            continue
        limit = MAX_CHILD_TEXT if audience == "child" else MAX_TEXT
        if len(text) > limit:
            problems.append(f"{key} ({audience}): {len(text)} characters > {limit}")
        unknown = _placeholders(content.node(key)) - PLACEHOLDERS
        if unknown:
            problems.append(f"{key}: unknown placeholders {sorted(unknown)}")
    return problems


def _placeholders(node: Any) -> set[str]:
    if isinstance(node, str):
        return {name for _, name, _, _ in string.Formatter().parse(node) if name}
    if isinstance(node, dict):
        return set().union(*(_placeholders(v) for v in node.values())) if node else set()
    return set()


def _check_buttons(content: Content, finder: Finder) -> list[str]:
    problems = []
    titles = [
        (f"button {payload}", title) for group in BUTTONS.values() for title, payload in group
    ]
    titles += [(f"platform {pid}", name) for pid, name in finder.catalogue.platforms.items()]
    titles += [(f"topic {tid}", title) for tid, title in finder.catalogue.topics.items()]
    for where, title in titles:
        text = content.text(title) if content.has(title) else title
        if not text or len(text) > MAX_TITLE:
            problems.append(f"{where}: title {text!r} must be 1-{MAX_TITLE} characters")
    return problems


def _check_leaves(node: Any, path: str) -> list[str]:
    if isinstance(node, dict):
        return [p for key, value in node.items() for p in _check_leaves(value, f"{path}.{key}")]
    if isinstance(node, list):
        return [p for value in node for p in _check_leaves(value, path)]
    if isinstance(node, str):
        if not node.strip():
            return [f"{path.lstrip('.')}: empty text"]
        if len(node) > MAX_TEXT:
            return [f"{path.lstrip('.')}: {len(node)} characters > {MAX_TEXT}"]
    return []


def _check_one_voice(tree: Any) -> list[str]:
    """A button with a child's and a parent's title ("Em cần giúp đỡ" / "Báo một sự việc")
    is never written into an entry as the child's title alone: a parent would get it."""
    child_only: set[str] = set()
    literal: list[tuple[str, str]] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            child, parent = node.get("child"), node.get("parent")
            if (
                set(node) == {"child", "parent"}
                and isinstance(child, str)
                and isinstance(parent, str)
                and len(child) <= MAX_TITLE
                and child != parent
            ):
                child_only.add(child)
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for item in node:
                if isinstance(item, dict) and isinstance(item.get("title"), str):
                    literal.append((path.lstrip("."), item["title"]))
                walk(item, path)

    walk(tree, "")
    return [
        f"{where}: button {title!r} is the child's version; name the button set in the "
        "table so that a parent gets theirs"
        for where, title in literal if title in child_only
    ]  # fmt: skip


def _check_states() -> list[str]:
    # A counselor's claim and close (the console) move a conversation to these two.
    reached = {State.NEW, State.COUNSELOR, State.CLOSED} | {s.to for s in TABLE.values() if s.to}
    return [f"state {state} is never reached" for state in State if state not in reached]


def _check_flow_ends(content: Content, slots: dict[str, list[str]]) -> list[str]:
    problems = []
    for (state, trigger), step in TABLE.items():
        if step.to not in FLOW_ENDS or not step.say:
            continue
        last = step.say[-1]
        if any(p == "COUNSELOR" for _, p in BUTTONS.get(last.buttons, ())):
            continue
        for key in _expand(last.key, slots):
            if any("111" not in content.text(key, a) for a in AUDIENCES if content.has(key)):
                problems.append(f"({state}, {trigger}) ends without the way to a person: {key}")
    return problems
