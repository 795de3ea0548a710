"""What a turn asks the world to do, typed: the table names them, the engine fills them in, the
pipeline and the handoff service carry them out. Nothing here is a string parsed at run time.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Priority(StrEnum):
    """A place in the counselor queue (the queue orders imminent, then high, then normal)."""

    NORMAL = "normal"
    HIGH = "high"
    IMMINENT = "imminent"


class Do(StrEnum):
    """The effects that need nothing but their name."""

    CASE = "case"  # open or update the conversation's case with what the report gathered
    RELAY = "relay"  # the person's words go to the console
    LEAVE = "leave"  # out of the counselor queue
    CHECK_IN = "check_in"  # a crisis while waiting: steady company until a counselor joins
    ALERT = "alert"  # a crisis while a counselor holds the conversation: alert their desk
    FORGET = "forget"  # the person left (unfollowed): the conversation is deleted


@dataclass(frozen=True, slots=True)
class Queue:
    """In the table: join (or move up in) the counselor queue.

    `priority` None means the report's own priority. `only_high`: only a high-priority report
    is queued unasked (the others are offered a counselor). `quiet`: move up without the
    queue's notice. `asked`: the person asked where they are, so the notice is said even when
    it says nothing new."""

    priority: Priority | None = None
    only_high: bool = False
    quiet: bool = False
    asked: bool = False


# What a table row may name.
Spec = Do | Queue


@dataclass(frozen=True, slots=True)
class JoinQueue:
    """Out of the engine: join the queue at this priority."""

    priority: Priority
    quiet: bool = False
    asked: bool = False


@dataclass(frozen=True, slots=True)
class RecordCase:
    """Out of the engine: open or update the case with what the person chose to give."""

    category: str
    priority: Priority = Priority.NORMAL
    platform: str = ""
    summary: str = ""
    links: str = ""
    ongoing: str = ""


Effect = Do | JoinQueue | RecordCase


def handoff_priority(value: str) -> Priority:
    """A priority kept as text (a session slot, a queue hash) read back; unknown is normal."""
    try:
        return Priority(value)
    except ValueError:
        return Priority.NORMAL


RANK = (Priority.NORMAL, Priority.HIGH, Priority.IMMINENT)


def fill(specs: tuple[Spec, ...], slots: Mapping[str, Any]) -> tuple[Effect, ...]:
    """The row's effects with the conversation's slots filled in (the queue last)."""
    priority = handoff_priority(str(slots.get("priority") or Priority.NORMAL))
    queued: list[Effect] = [
        JoinQueue(spec.priority or priority, quiet=spec.quiet, asked=spec.asked)
        for spec in specs
        if isinstance(spec, Queue) and (not spec.only_high or priority is Priority.HIGH)
    ]
    effects: list[Effect] = []
    for spec in specs:
        if spec is Do.CASE:
            if slots.get("category") or queued:
                ranks = [priority] + [q.priority for q in queued if isinstance(q, JoinQueue)]
                effects.append(_case(slots, max(ranks, key=RANK.index)))
        elif isinstance(spec, Do):
            effects.append(spec)
    return tuple(effects + queued)


def _case(slots: Mapping[str, Any], priority: Priority) -> RecordCase:
    """What the person chose to give; a person who only asked for a counselor: "unknown"
    (the counselor sorts it)."""
    return RecordCase(
        category=str(slots.get("category") or "unknown"),
        priority=priority,
        platform=str(slots.get("platform") or ""),
        summary=str(slots.get("summary") or ""),
        links=str(slots.get("links") or ""),
        ongoing=str(slots.get("ongoing") or ""),
    )
