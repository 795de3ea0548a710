"""The worker turn: lock → session → safety screen + NLU → dialogue → outbox → send → save.

Exactly once from the person's point of view: the decision and the replies it calls for are
saved (session + outbox) before anything is sent, each sent reply is ticked off, and an event
handled again after a crash resumes its outbox instead of deciding again.
"""

import asyncio
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

import redis.asyncio as redis
from sqlalchemy.exc import SQLAlchemyError

from bot.cases.records import CaseRecords
from bot.channels.base import (
    Button,
    ChannelAdapter,
    Delivery,
    EventKind,
    IncomingEvent,
    OutgoingMessage,
    SendStatus,
)
from bot.conversation import Conversation, buttons_last
from bot.dialogue.effects import Do, Effect, JoinQueue, RecordCase
from bot.dialogue.table import State
from bot.evidence import intake as evidence_intake
from bot.handoff.service import Handoffs
from bot.logs import user_ref
from bot.metrics import SENDS
from bot.store import keys
from bot.store.locks import RedisLock
from bot.store.sessions import RedisSessionStore, Session, decode, encode
from bot.understanding.assess import Assessment, Assessor

log = logging.getLogger(__name__)

OUTBOX_TTL = 48 * 3600
ORDER_WAIT_SECONDS = 5.0  # how long a later event waits for an earlier one of the same person


@dataclass(frozen=True, slots=True)
class Outbox:
    """The messages a turn decided on, and how many of them were handed to the platform."""

    messages: tuple[OutgoingMessage, ...]
    sent: int = 0

    def to_json(self) -> str:
        items = [
            {"text": m.text, "buttons": [[b.title, b.payload] for b in m.buttons]}
            for m in self.messages
        ]
        return json.dumps({"messages": items, "sent": self.sent}, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> "Outbox":
        data = json.loads(raw)
        messages = tuple(
            OutgoingMessage(m["text"], tuple(Button(t, p) for t, p in m["buttons"]))
            for m in data["messages"]
        )
        return cls(messages, int(data["sent"]))


class SendDeferred(Exception):
    """A reply the platform could not take even after the sender's retries (rate limits, an
    outage). The event stays pending; handled again later, it resumes at that reply."""


class Pipeline:
    def __init__(
        self,
        client: redis.Redis,
        sessions: RedisSessionStore,
        assessor: Assessor,
        conversation: Conversation,
        adapters: Mapping[str, ChannelAdapter],
        cases: CaseRecords,
        handoffs: Handoffs,
        hash_key: bytes,
        max_text_chars: int,
    ) -> None:
        self._redis = client
        self._sessions = sessions
        self._assessor = assessor
        self._conversation = conversation
        self._cases = cases
        self._handoffs = handoffs
        self._adapters = adapters
        self._hash_key = hash_key
        self._max_chars = max_text_chars

    async def handle(self, event: IncomingEvent, seq: int) -> None:
        started = time.perf_counter()
        lock, session, outbox = await self._lock_in_turn(event, seq)
        try:
            if outbox is None:
                outbox = await self._decide(event, seq, session)
            await self._send(event, outbox)
        finally:
            await lock.release()
        log.info(
            "turn",
            extra={
                "event_ref": user_ref(self._hash_key, "event", event.event_id),
                "channel": event.channel,
                "user": user_ref(self._hash_key, event.channel, event.user_id),
                "kind": event.kind.value,
                "replies": len(outbox.messages),
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )

    async def _lock_in_turn(
        self, event: IncomingEvent, seq: int
    ) -> tuple[RedisLock, Session, Outbox | None]:
        """The conversation's lock, taken once the events before this one have been handled,
        with the session and this event's outbox if a previous try left one."""
        key = keys.conversation_lock(event.channel, event.user_id)
        deadline = time.monotonic() + ORDER_WAIT_SECONDS
        while True:
            lock = RedisLock(self._redis, key)
            await lock.acquire()
            raw_session, raw_outbox = await self._redis.mget(
                keys.session(event.channel, event.user_id), _outbox_key(event)
            )
            session = decode(raw_session) if raw_session else Session()
            outbox = Outbox.from_json(raw_outbox) if raw_outbox else None
            in_order = not session.last_seq or seq <= session.last_seq + 1
            if outbox is not None or in_order:
                return lock, session, outbox
            if time.monotonic() > deadline:
                log.warning("turn out of order", extra={"gap": seq - session.last_seq - 1})
                return lock, session, outbox
            await lock.release()
            await asyncio.sleep(0.02)

    async def _decide(self, event: IncomingEvent, seq: int, session: Session) -> Outbox:
        session = await self._still_handed_off(event, session)
        # With a counselor the words are relayed as they are; they are read all the same, so
        # that a crisis alerts the counselor's desk and is answered at once.
        assessment = await self._assess(event)
        messages, effects, after = self._conversation.respond(session, event, assessment)
        if Do.FORGET in effects:  # unfollowed: forget the conversation
            await self._sessions.delete(event.channel, event.user_id)
            return Outbox(())
        if assessment is not None:
            verdict = assessment.triage
            log.info(
                "understood",
                extra={
                    "channel": event.channel,
                    "intent": verdict.intent.value if verdict.intent else None,
                    "confidence": round(verdict.confidence, 3),
                    "action": verdict.action.value,
                    "risk": verdict.risk.value,
                    "screen": list(assessment.screening.concepts),
                    "nlu": assessment.understanding.available,
                },
            )
        after = await self._case(event, effects, after)
        after, notices = await self._hand_off(event, effects, after, session)
        if notices:
            messages = buttons_last(messages + notices)
            after = self._conversation.offer(after, messages[-1])
        after = await self._transcript(event, after, messages, session)
        outbox = Outbox(tuple(messages))
        new_session = after.with_(last_seq=max(seq, session.last_seq))
        async with self._redis.pipeline(transaction=True) as tx:
            tx.set(keys.session(event.channel, event.user_id), encode(new_session))
            tx.expire(keys.session(event.channel, event.user_id), self._sessions.ttl)
            tx.set(_outbox_key(event), outbox.to_json(), ex=OUTBOX_TTL)
            await tx.execute()
        return outbox

    async def _still_handed_off(self, event: IncomingEvent, session: Session) -> Session:
        """A conversation that says it waits for (or talks with) a counselor, but whose
        handoff is gone, talks with the bot again: never silence with nobody listening."""
        if session.state not in (State.WAITING, State.COUNSELOR):
            return session
        found = await self._handoffs.queue.for_user(event.channel, event.user_id)
        if found is not None:
            return session.with_(slots={**session.slots, "handoff_id": found.id})
        log.info("handoff gone", extra={"channel": event.channel})
        return session.with_(state=State.IDLE.value)

    async def _case(
        self, event: IncomingEvent, effects: tuple[Effect, ...], session: Session
    ) -> Session:
        """Opens or updates the case the turn asks for; a turn that hands the person to the
        counselors is a contact of that case (one per handoff, bot.cases.models.Contact), and
        leaving the queue ends it. The age, links, usernames and phone-like strings of the
        person's words are added to the case (bot.cases.extract). The replies never wait on
        this: a database failure is logged and the child is answered all the same."""
        found = next((effect for effect in effects if isinstance(effect, RecordCase)), None)
        ref = user_ref(self._hash_key, event.channel, event.user_id)
        try:
            if Do.LEAVE in effects:
                await self._cases.end_contacts("left", conversation_ref=ref)
            if found is None:
                return session
            case_id = await self._cases.open_or_update(
                event.channel,
                ref,
                found.category,
                found.priority.value,
                found.platform,
                found.links,
                found.summary,
                contact=any(isinstance(effect, JoinQueue) for effect in effects),
            )
        except (SQLAlchemyError, OSError):
            log.error("case not recorded", extra={"channel": event.channel})
            return session
        return session.with_(slots={**session.slots, "case_id": case_id})

    async def _transcript(
        self,
        event: IncomingEvent,
        session: Session,
        messages: list[OutgoingMessage],
        before: Session,
    ) -> Session:
        """The transcript of a conversation that became a case: what the person wrote and
        what the bot said (images are never kept: only that one was sent). Until there is a
        case, the last few lines wait in the session (it expires), so a counselor later sees
        the conversation since the report began."""
        words = self._words(event, before)
        lines = [(_sender(session), words)] if words else []
        lines += [("bot", message.text) for message in messages]
        recent = [tuple(line) for line in session.slots.get("recent") or []]
        case_id = session.slots.get("case_id")
        if not case_id:
            kept = [list(line) for line in (recent + lines)[-RECENT_LINES:]]
            return session.with_(slots={**session.slots, "recent": kept})
        try:
            await self._cases.add_lines(int(case_id), recent + lines)
        except (SQLAlchemyError, OSError):
            log.error("transcript not recorded", extra={"channel": event.channel})
            return session
        platform = str(session.slots.get("platform") or "")  # their words as evidence items
        await evidence_intake.record(
            self._cases, self._hash_key, int(case_id), recent + lines, platform
        )
        return session.with_(slots={k: v for k, v in session.slots.items() if k != "recent"})

    def _words(self, event: IncomingEvent, before: Session) -> str:
        """What the person said, as the transcript and the counselor see it: the text; for a
        button, the title they chose (from the buttons they were offered); for an image or
        file, a note that one was sent (the media itself is never kept)."""
        if event.kind is EventKind.MEDIA:
            return self._conversation.text("handoff.media_to_counselor")
        if event.kind is EventKind.BUTTON and not event.text:
            return self._conversation.chosen(before, event.payload)
        return event.text

    async def _hand_off(
        self,
        event: IncomingEvent,
        effects: tuple[Effect, ...],
        session: Session,
        before: Session,
    ) -> tuple[Session, list[OutgoingMessage]]:
        """Joins or leaves the counselor queue, and passes the person's words to the console.
        Returns the session and the queue notice for the person, if any."""
        notices: list[OutgoingMessage] = []
        handoff_id = str(session.slots.get("handoff_id") or "")
        for effect in effects:
            if effect is Do.RELAY and handoff_id:
                if words := self._words(event, before):
                    await self._handoffs.child_wrote(
                        handoff_id, words, event.timestamp_ms, _sender(session)
                    )
            elif effect is Do.ALERT and handoff_id:
                await self._handoffs.alert(handoff_id, "crisis_message")
            elif effect is Do.LEAVE and handoff_id:
                await self._handoffs.leave(handoff_id)
                handoff_id = ""
            elif isinstance(effect, JoinQueue):
                handoff_id, notice = await self._handoffs.join(
                    event.channel, event.user_id, effect.priority.value,
                    _context(effects, session), session.audience, asked=effect.asked,
                    words=event.text if event.kind is EventKind.TEXT else "",
                )  # fmt: skip
                if notice is not None and not effect.quiet:
                    notices.append(notice)
        if handoff_id and Do.CHECK_IN in effects:
            await self._handoffs.schedule_check_in(handoff_id)
        slots = {k: v for k, v in session.slots.items() if k != "handoff_id"}
        if handoff_id:
            slots["handoff_id"] = handoff_id
        return session.with_(slots=slots), notices

    async def _assess(self, event: IncomingEvent) -> Assessment | None:
        if event.kind is not EventKind.TEXT or not event.text.strip():
            return None  # buttons carry their meaning; media and follows have no text
        use_model = len(event.text) <= self._max_chars
        return await self._assessor.assess(event.text, use_model=use_model)

    async def _send(self, event: IncomingEvent, outbox: Outbox) -> None:
        adapter = self._adapters[event.channel]
        # "typing…" once, before the first reply to a typed message; buttons answer at once.
        typing = event.kind is EventKind.TEXT
        for index in range(outbox.sent, len(outbox.messages)):
            message = outbox.messages[index]
            delivery = Delivery(event.timestamp_ms, typing=typing and index == outbox.sent)
            result = await adapter.send(event.user_id, message, delivery)
            SENDS.labels(event.channel, result.status.value, result.reason).inc()
            if result.status is SendStatus.FAILED:  # temporary: try again later, from here
                raise SendDeferred(result.reason)
            if not result.ok:
                log.warning(
                    "reply not delivered",
                    extra={
                        "channel": event.channel,
                        "status": result.status,
                        "reason": result.reason,
                    },
                )
            outbox = Outbox(outbox.messages, index + 1)
            await self._redis.set(_outbox_key(event), outbox.to_json(), ex=OUTBOX_TTL)


RECENT_LINES = 12  # lines kept before a case exists
CONTEXT = ("case_id", "category", "platform", "links", "audience", "age_band")


def _sender(session: Session) -> str:
    """Who the person's lines are from, as the console labels them."""
    return "parent" if session.audience == "parent" else "child"


def _context(effects: tuple[Effect, ...], session: Session) -> dict[str, str]:
    """What the console shows of a conversation that joins the queue."""
    case = next((effect for effect in effects if isinstance(effect, RecordCase)), None)
    given = {
        "category": case.category if case else "",
        "platform": case.platform if case else "",
        "links": case.links if case else "",
        "case_id": str(session.slots.get("case_id", "")),
        "audience": session.audience,
        "age_band": session.age_band,
    }
    return {k: v for k, v in given.items() if k in CONTEXT and v}  # nothing blank overwrites


def _outbox_key(event: IncomingEvent) -> str:
    return keys.outbox(f"{event.channel}:{event.event_id}")
