"""The engine's shape: the console's moves, the platform's events and a crisis with a counselor
are rows of the table, effects are typed, and sessions live behind one protocol (memory here,
Redis in production; both keep the same contract). No Redis, no model."""

import asyncio

import pytest
import redis.asyncio as redis

from bot.channels.base import EventKind, IncomingEvent
from bot.dialogue.effects import Do, JoinQueue, Priority, Queue, RecordCase
from bot.dialogue.engine import Turn, decide, moved
from bot.dialogue.table import ANY, EVERYWHERE, MOVES, TABLE, State, Trigger
from bot.store.sessions import MemorySessionStore, RedisSessionStore, Session, SessionStore
from bot.understanding.taxonomy import Action, Intent, Risk
from tests.dialogue.test_typed_answers import CONVERSATION, reading, say, text_of

NO_CATALOGUE = CONVERSATION._finder.catalogue


def waiting(**slots: str) -> Session:
    return Session(state="waiting", audience="child", slots={"handoff_id": "h1", **slots})


def test_every_effect_in_the_table_is_typed() -> None:
    for step in TABLE.values():
        for spec in step.effects:
            assert isinstance(spec, Do | Queue), spec


@pytest.mark.parametrize("move", sorted(MOVES))
def test_every_console_move_has_a_row_and_a_notice(move: Trigger) -> None:
    step = TABLE[(ANY, move)]
    assert step.say, f"the person is told of {move}"
    assert step.to is not None


def test_a_move_is_not_swallowed_by_a_states_catch_all() -> None:
    # ("waiting", "*") relays the person's words; a counselor joining is not such words.
    decision = moved(waiting(), Trigger.JOINED, "h1")
    assert decision.session.state == State.COUNSELOR
    assert [reply.key for reply in decision.replies] == ["handoff.joined"]


def test_release_and_close_forget_the_handoff_and_its_marks() -> None:
    held = Session(
        state="counselor",
        audience="parent",
        slots={"handoff_id": "h1", "case_id": "7", "urgent_given": "1", "offered": [["x", "Y"]]},
    )
    for move, state in ((Trigger.RELEASED, State.IDLE), (Trigger.CLOSED, State.CLOSED)):
        after = moved(held, move).session
        assert after.state == state
        assert not {"handoff_id", "case_id", "urgent_given"} & set(after.slots)
        assert after.slots["offered"] == []
        assert after.audience == "parent"  # who is writing is not forgotten


def test_requeued_and_passed_on_keep_the_conversation_with_a_person() -> None:
    held = Session(state="counselor", slots={"handoff_id": "h1", "urgent_given": "1"})
    assert moved(held, Trigger.REQUEUED).session.state == State.WAITING
    passed = moved(held, Trigger.PASSED_ON)
    assert passed.session.state == State.COUNSELOR
    assert passed.session.slots["urgent_given"] == "1"
    assert [reply.key for reply in passed.replies] == ["handoff.passed_on"]


def test_only_moves_are_moves() -> None:
    with pytest.raises(ValueError, match="not a console move"):
        moved(waiting(), Trigger.CRISIS)


def test_unfollowing_forgets_the_conversation_in_any_state() -> None:
    for state in ("new", "ongoing", "waiting", "counselor"):
        turn = Turn(EventKind.STOP, 1_000)
        decision = decide(Session(state=state), turn, NO_CATALOGUE)
        assert decision.effects == (Do.FORGET,)
        assert decision.replies == ()


def test_a_human_reply_pauses_the_bot_but_never_for_a_crisis() -> None:
    session = Session(state="idle", audience="child")
    paused = decide(session, Turn(EventKind.HUMAN_REPLY, 1_000), NO_CATALOGUE).session
    assert paused.paused_until_ms > 1_000
    messages, _ = say(paused, "chào bạn", seen=reading(Action.SMALLTALK, Intent.GREET))
    assert messages == []
    crisis = reading(Action.URGENT_HANDOFF, Intent.CRISIS_SELF_HARM, Risk.IMMINENT)
    messages, _ = say(paused, "em muốn chết", seen=crisis)
    assert "111" in text_of(messages)


def respond(session: Session, text: str, seen: object) -> tuple[list[str], tuple[object, ...]]:
    event = IncomingEvent("webchat", "u1", f"e-{text}", EventKind.TEXT, 1_000, text)
    messages, effects, _ = CONVERSATION.respond(session, event, seen)  # type: ignore[arg-type]
    return [m.text for m in messages], effects


CRISIS = reading(Action.URGENT_HANDOFF, Intent.CRISIS_SELF_HARM, Risk.IMMINENT)


def test_a_crisis_is_typed_all_the_way_to_the_queue() -> None:
    _, effects = respond(Session(state="idle", audience="child"), "em muốn chết", CRISIS)
    assert JoinQueue(Priority.IMMINENT) in effects
    case = next(e for e in effects if isinstance(e, RecordCase))
    assert case.category == "crisis_self_harm"
    assert case.priority is Priority.IMMINENT
    assert Do.CHECK_IN in effects


def test_a_crisis_with_a_counselor_is_answered_once_and_always_alerts_the_desk() -> None:
    held = Session(state="counselor", audience="child", slots={"handoff_id": "h1"})
    texts, effects = respond(held, "em muốn chết", CRISIS)
    assert len(texts) == 1
    assert "113" in texts[0]
    assert "tư vấn viên" in texts[0]
    assert Do.ALERT in effects
    assert Do.RELAY in effects
    assert Do.CHECK_IN in effects
    again = held.with_(slots={**held.slots, "urgent_given": "1"})
    texts, effects = respond(again, "em đang đứng trên sân thượng", CRISIS)
    assert texts == []  # the counselor answers; the bot checks in if they do not
    assert Do.ALERT in effects
    assert Do.CHECK_IN in effects


def test_a_report_queued_only_when_high() -> None:
    ongoing = Session(state="ongoing", audience="child", slots={"category": "report_grooming"})
    high = ongoing.with_(slots={**ongoing.slots, "priority": "high"})
    _, normal_effects = respond(ongoing, "vẫn đang tiếp diễn", reading(Action.FALLBACK))
    _, high_effects = respond(high, "vẫn đang tiếp diễn", reading(Action.FALLBACK))
    assert not any(isinstance(e, JoinQueue) for e in normal_effects)
    assert JoinQueue(Priority.HIGH) in high_effects


def test_everywhere_triggers_are_moves_and_platform_events() -> None:
    assert {Trigger.STOP, Trigger.HUMAN_REPLY} <= EVERYWHERE
    assert MOVES <= EVERYWHERE


async def contract(store: SessionStore) -> None:
    assert await store.load("webchat", "u1") is None
    session = Session(state="ongoing", audience="parent", slots={"offered": [["có", "X"]]})
    async with store.hold("webchat", "u1"):
        await store.save("webchat", "u1", session)
    assert await store.load("webchat", "u1") == session
    assert await store.load("webchat", "u2") is None
    order: list[str] = []

    async def turn(name: str) -> None:
        async with store.hold("webchat", "u1"):
            order.append(f"{name} in")
            await asyncio.sleep(0.01)
            order.append(f"{name} out")

    await asyncio.gather(turn("a"), turn("b"))
    assert order in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])
    await store.delete("webchat", "u1")
    assert await store.load("webchat", "u1") is None


async def test_the_memory_store_keeps_the_contract() -> None:
    await contract(MemorySessionStore())


async def test_the_redis_store_keeps_the_contract(redis_client: redis.Redis) -> None:
    await contract(RedisSessionStore(redis_client, ttl_seconds=60))
