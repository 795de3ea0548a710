"""The handoff between the bot and a counselor: joining the queue, the notices the child gets,
the counselor's words relayed through the right channel, transfer, release and close.

Used by the worker turn (joining, the child's words) and by the console (everything else).
Every change of a child's conversation state happens under the conversation's lock, so a
worker turn and a counselor's click never overwrite each other.
"""

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import redis.asyncio as redis
from sqlalchemy.exc import SQLAlchemyError

from bot.cases.records import CaseRecords
from bot.channels.base import ChannelAdapter, Delivery, OutgoingMessage, SendResult, SendStatus
from bot.content import Content
from bot.dialogue.engine import moved
from bot.dialogue.table import Trigger
from bot.handoff import events
from bot.handoff.queue import Handoff, HandoffQueue
from bot.metrics import SENDS
from bot.store.sessions import RedisSessionStore, Session, SessionStore

log = logging.getLogger(__name__)

HOUR_MS = 3600 * 1000
# The last moment a counselor's words can still reach the person, after their last message:
# Messenger's HUMAN_AGENT tag (7 days), Zalo's charged consultation window (7 days; the first
# 48 h are free). The web chat has no window.
WINDOW_MS = {"messenger": 7 * 24 * HOUR_MS, "zalo": 7 * 24 * HOUR_MS}
WARN_BEFORE_MS = 2 * HOUR_MS
# Every text the handoff sends the person (checked by `make check-content`).
HANDOFF_NOTICES = frozenset(
    f"handoff.{name}"
    for name in ("waiting", "nobody_online", "still_waiting", "still_with_counselor", "joined",
                 "transferred", "passed_on", "released", "closed", "left", "check_in",
                 "counselor_check")
)  # fmt: skip


def window_closes_ms(found: Handoff) -> int | None:
    span = WINDOW_MS.get(found.channel)
    if span is None or not found.last_user_message_ms:
        return None
    return found.last_user_message_ms + span


class HandoffError(Exception):
    """A console action that cannot be done (shown to the counselor, with an HTTP status)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Closing:
    categories: list[str]
    case_type: str  # consultation | intervention
    action: str = ""
    summary: str = ""


class Handoffs:
    def __init__(
        self,
        client: redis.Redis,
        adapters: Mapping[str, ChannelAdapter],
        content: Content,
        cases: CaseRecords,
        session_ttl: int,
        clock: Callable[[], float] = time.time,
        sessions: SessionStore | None = None,
    ) -> None:
        self._redis = client
        self.queue = HandoffQueue(client)
        self.adapters = adapters
        self._content = content
        self._cases = cases
        self._sessions = sessions or RedisSessionStore(client, session_ttl)
        self.clock = clock

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    # --- the child's side (worker turns) -------------------------------------------------------
    async def join(
        self,
        channel: str,
        user_id: str,
        priority: str,
        context: dict[str, str],
        audience: str,
        asked: bool = False,
        words: str = "",
    ) -> tuple[str, OutgoingMessage | None]:
        """Joins (or moves up in) the queue; returns the id and the notice for the child.
        `words`: what the person wrote in this turn, the first words of their queue row."""
        now = self.now_ms()
        handoff_id, new = await self.queue.join(channel, user_id, priority, now, context)
        if words:
            await self.queue.set_preview(handoff_id, words)
        found = await self.queue.get(handoff_id)
        if found is not None and found.status == "active":
            return handoff_id, self._content.message("handoff.still_with_counselor", audience)
        await events.publish(self._redis, {"type": "queue", "id": handoff_id, "new": new})
        if priority in ALERTING and (new or priority == "imminent"):
            await self.alert(handoff_id, "new" if new else "crisis_message", priority)
        return handoff_id, await self.waiting_notice(handoff_id, audience, now, asked)

    async def alert(self, handoff_id: str, reason: str, priority: str = "imminent") -> None:
        """Every desk online is alerted: a new urgent child, or a crisis message from a child
        who waits or talks with a counselor."""
        await events.publish(
            self._redis,
            {"type": "alert", "id": handoff_id, "priority": priority, "reason": reason},
        )

    async def waiting_notice(
        self, handoff_id: str, audience: str, now_ms: int, asked: bool = False
    ) -> OutgoingMessage | None:
        """Where the person is and how long it may take; "nobody is online" once per wait
        (and again only after someone was online). None when there is nothing new to say."""
        position = await self.queue.position(handoff_id) or 1
        await self.queue.notified(handoff_id, position, now_ms)
        online = len(await self.queue.online(now_ms))
        if not online:
            if not await self.queue.flag(handoff_id, "nobody_online_said") and not asked:
                return None
            return self._content.message("handoff.nobody_online", audience)
        await self.queue.unflag(handoff_id, "nobody_online_said")
        seconds = await self.queue.wait_estimate_seconds(position, online)
        params = {"position": str(position), "minutes": minutes_range(seconds)}
        return self._content.message("handoff.waiting", audience, params)

    async def child_wrote(
        self, handoff_id: str, text: str, at_ms: int, sender: str = "child"
    ) -> None:
        """The person's words (a child's or a parent's) to the console."""
        await self.queue.touch(handoff_id, at_ms)
        await self.queue.set_preview(handoff_id, text)
        found = await self.queue.get(handoff_id)
        await events.publish(
            self._redis,
            {"type": "message", "id": handoff_id, "from": sender, "text": text, "at": at_ms,
             "counselor": found.counselor if found else ""},
        )  # fmt: skip

    async def leave(self, handoff_id: str) -> None:
        found = await self.queue.get(handoff_id)
        if found is not None and found.status == "waiting":
            await self.queue.finish(found, self.now_ms())
            await events.publish(self._redis, {"type": "queue", "id": handoff_id, "left": True})

    # --- the counselor's side (console) --------------------------------------------------------
    async def claim(self, counselor: str, handoff_id: str = "") -> Handoff:
        claimed = await self.queue.claim(counselor, self.now_ms(), handoff_id)
        if claimed is None:
            raise HandoffError(409, "taken" if handoff_id else "queue_empty")
        found = await self._get(claimed)
        await self.queue.cancel_check_in(claimed)  # a person is there: no waiting check-in
        await self._move(found, Trigger.JOINED)
        await self._audit(counselor, "claim", found)
        await events.publish(
            self._redis, {"type": "conversation", "id": claimed, "status": "active",
                          "counselor": counselor},
        )  # fmt: skip
        return found

    async def say(self, found: Handoff, counselor: str, text: str) -> SendResult:
        """The counselor's words, as they are, through the child's channel (HUMAN_AGENT on
        Messenger after 24 h)."""
        self.held_by(found, counselor)
        adapter = self.adapters[found.channel]
        delivery = Delivery(found.last_user_message_ms or None, human=True, typing=False)
        result = await adapter.send(found.user_id, OutgoingMessage(text), delivery)
        SENDS.labels(found.channel, result.status.value, result.reason).inc()
        if result.status is not SendStatus.SENT:
            log.warning(
                "counselor message not delivered",
                extra={"channel": found.channel, "status": result.status, "reason": result.reason},
            )
            return result
        at = self.now_ms()
        await self.queue.flag(found.id, ANSWERED)
        await self._lines(found, [("counselor", text)])
        await events.publish(
            self._redis,
            {"type": "message", "id": found.id, "from": "counselor", "text": text, "at": at,
             "counselor": counselor},
        )  # fmt: skip
        return result

    async def transfer(self, found: Handoff, counselor: str, to: str, privileged: bool) -> None:
        """To another counselor (who must be online) or back to the queue (`to` = "queue")."""
        if not privileged:
            self.held_by(found, counselor)
        if to == "queue":
            await self.queue.requeue(found.id)
            await self._move(found, Trigger.REQUEUED)
        else:
            if to not in await self.queue.online(self.now_ms()):
                raise HandoffError(409, "not_online")
            await self.queue.reassign(found.id, to, self.now_ms())
            await self._move(found, Trigger.PASSED_ON)  # the child is told of the change
        await self._audit(counselor, "transfer", found, to)
        await events.publish(
            self._redis, {"type": "conversation", "id": found.id, "transfer": to,
                          "counselor": "" if to == "queue" else to},
        )  # fmt: skip
        await events.publish(self._redis, {"type": "queue", "id": found.id})

    async def release(self, found: Handoff, counselor: str, privileged: bool) -> None:
        """Back to the bot: the child can use the menus again."""
        if not privileged:
            self.held_by(found, counselor)
        await self.queue.finish(found, self.now_ms())
        await self._move(found, Trigger.RELEASED)
        await self._audit(counselor, "release", found)
        await events.publish(
            self._redis, {"type": "conversation", "id": found.id, "status": "released"}
        )

    async def close(
        self, found: Handoff, counselor: str, closing: Closing, privileged: bool
    ) -> None:
        if not privileged:
            self.held_by(found, counselor)
        if not found.case_id:
            raise HandoffError(503, "no_case")
        try:
            await self._cases.close(
                int(found.case_id), counselor, closing.categories, closing.case_type,
                closing.action, closing.summary,
            )  # fmt: skip
        except (SQLAlchemyError, OSError):
            log.error("case not closed", extra={"channel": found.channel})
            raise HandoffError(503, "database_unavailable") from None
        await self.queue.finish(found, self.now_ms())
        await self._move(found, Trigger.CLOSED)
        await events.publish(
            self._redis, {"type": "conversation", "id": found.id, "status": "closed"}
        )

    async def schedule_check_in(self, handoff_id: str) -> None:
        """A child who wrote of a crisis: while waiting, a gentle check-in if nobody has
        answered in CHECK_IN_EVERY_MS (each new crisis message starts the clock again); with
        a counselor, a word from the bot if the counselor has said nothing a minute later."""
        found = await self.queue.get(handoff_id)
        if found is not None and found.status == "active":
            await self.queue.unflag(handoff_id, ANSWERED)
            await self.queue.schedule_check_in(handoff_id, self.now_ms() + COUNSELOR_CHECK_MS)
            return
        await self.queue.schedule_check_in(handoff_id, self.now_ms() + CHECK_IN_EVERY_MS)

    async def _check_in(self, now: int) -> None:
        for handoff_id in await self.queue.due_check_ins(now):
            found = await self.queue.get(handoff_id)
            if found is not None and found.status == "active":
                if await self.queue.flag(handoff_id, ANSWERED):  # nobody answered yet
                    await self._notify(found, "handoff.counselor_check")
                continue
            if found is None or found.status != "waiting":
                continue  # a counselor joined, or the child left: the check-ins stop
            sent = await self.queue.count_check_in(handoff_id)
            await self._notify(found, "handoff.check_in")
            if sent < CHECK_INS_AT_MOST:
                await self.queue.schedule_check_in(handoff_id, now + CHECK_IN_EVERY_MS)

    # --- background: position updates and reply-window warnings ---------------------------------
    async def tick(self) -> None:
        now = self.now_ms()
        await self._check_in(now)
        for position, found in enumerate(await self.queue.waiting(), start=1):
            if await self.queue.notice_due(found.id, position, now):
                notice = await self.waiting_notice(found.id, found.audience, now)
                if notice is not None:
                    await self._send(found, notice)
        for found in await self.queue.active():
            closes = window_closes_ms(found)
            soon = closes is not None and closes - now < WARN_BEFORE_MS
            if soon and await self.queue.flag(found.id, f"warned_{found.last_user_message_ms}"):
                await events.publish(
                        self._redis,
                        {"type": "window", "id": found.id, "closes_at": closes,
                         "counselor": found.counselor},
                    )  # fmt: skip

    async def _announce(self, found: Handoff, status: str) -> None:
        event = {"type": "conversation", "id": found.id, "status": status}
        await events.publish(self._redis, event)

    # --- helpers -------------------------------------------------------------------------------
    async def _get(self, handoff_id: str) -> Handoff:
        found = await self.queue.get(handoff_id)
        if found is None:
            raise HandoffError(404, "not_found")
        return found

    @staticmethod
    def held_by(found: Handoff, counselor: str) -> None:
        if found.status != "active" or found.counselor != counselor:
            raise HandoffError(409, "not_yours")

    async def _move(self, found: Handoff, move: Trigger) -> None:
        """The console's move fed to the dialogue engine under the conversation's lock (a
        worker turn and a click never overwrite each other); its notice sent after."""
        async with self._sessions.hold(found.channel, found.user_id):
            session = await self._sessions.load(found.channel, found.user_id)
            decision = moved(session or Session(state="idle"), move, found.id)
            await self._sessions.save(found.channel, found.user_id, decision.session)
        for reply in decision.replies:
            message = self._content.message(
                reply.key, found.audience, dict(reply.params), reply.buttons
            )
            await self._send(found, message)

    async def _notify(self, found: Handoff, key: str) -> None:
        await self._send(found, self._content.message(key, found.audience))

    async def _send(self, found: Handoff, message: OutgoingMessage) -> None:
        delivery = Delivery(found.last_user_message_ms or None, typing=False)
        result = await self.adapters[found.channel].send(found.user_id, message, delivery)
        SENDS.labels(found.channel, result.status.value, result.reason).inc()
        if result.ok:
            await self._lines(found, [("bot", message.text)])
        else:
            log.warning(
                "notice not delivered", extra={"channel": found.channel, "reason": result.reason}
            )

    async def _lines(self, found: Handoff, lines: list[tuple[str, str]]) -> None:
        if not found.case_id:
            return
        try:
            await self._cases.add_lines(int(found.case_id), lines)
        except (SQLAlchemyError, OSError):
            log.error("transcript line not recorded", extra={"channel": found.channel})

    async def _audit(self, actor: str, action: str, found: Handoff, detail: str = "") -> None:
        try:
            await self._cases.audit(actor, action, int(found.case_id) if found.case_id else None,
                                    detail)  # fmt: skip
        except (SQLAlchemyError, OSError):
            log.error("audit not recorded", extra={"action": action})


# A wait said as a range that moves only when the wait really changes: one recent long
# conversation should not turn "7 minutes" into "120 minutes" and back.
WAIT_RANGES = ((5, "1–5"), (10, "5–10"), (20, "10–20"), (30, "20–30"), (60, "30–60"))


def minutes_range(seconds: int) -> str:
    minutes = seconds / 60
    return next((said for upper, said in WAIT_RANGES if minutes <= upper), "hơn 60")


# Steady company for a child who wrote of a crisis and waits unanswered: every 5 minutes, at
# most 6 times (half an hour), never a flood; kept in Redis so a restart loses none.
CHECK_IN_EVERY_MS = 5 * 60 * 1000
CHECK_INS_AT_MOST = 6
# With a counselor: if a crisis message has no answer from the counselor a minute later, the
# bot says the counselor has it and gives the emergency numbers (once per crisis message).
COUNSELOR_CHECK_MS = 60 * 1000
ANSWERED = "counselor_answered"  # a flag on the handoff: the counselor wrote since
# New children at these priorities, and crisis messages, alert every desk online.
ALERTING = frozenset({"imminent", "high"})
