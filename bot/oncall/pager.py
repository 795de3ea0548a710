"""Paging the on-call counselor, run from the app's background tick (every 15 s).

For each child waiting at an urgent priority (imminent always, high by default): page when
no counselor is online, or when nobody has claimed the child within ONCALL_PAGE_AFTER_MINUTES.
Each step of the roster is paged once; without an acknowledgement after
ONCALL_ESCALATE_AFTER_MINUTES the next person is paged. At the end of the roster it wraps
round once more (a missed call at 3 a.m. is worth a second ring), then stops and says so in
the audit log: the child's own notices (113, 111) go on regardless. Claiming the child or
acknowledging the page stops it.

Several processes run the tick: a step is taken by one compare-and-set script in Redis, so a
page goes out once. A notifier that fails is logged and audited, and the next notifier, then
the next person, is tried at once; nothing here ever breaks the tick.
"""

import asyncio
import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import redis.asyncio as redis
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.records import CaseRecords
from bot.content import Content
from bot.handoff.queue import Handoff, HandoffQueue
from bot.handoff.service import Handoffs
from bot.oncall.contacts import sync_contacts, take_links
from bot.oncall.notifiers import Notifier, Page, notifiers
from bot.oncall.roster import Member, Roster, RosterError
from bot.settings import Settings
from bot.store import keys

log = logging.getLogger(__name__)

ROUNDS = 2  # times through the roster before the pager gives up on one child
STATE_TTL = 2 * 24 * 3600
ACK_TTL = 24 * 3600
ACK_PATH = "/console/oncall/ack/"

# Takes the next step only if nobody else has (the step is still the one read) and nobody
# has acknowledged: two processes ticking together page once.
_ADVANCE = """
if redis.call('HEXISTS', KEYS[1], 'acked') == 1 then return 0 end
if (redis.call('HGET', KEYS[1], 'step') or '') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'step', ARGV[2], 'paged_ms', ARGV[3], 'paged', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


def state_key(handoff_id: str) -> str:
    return f"{keys.PREFIX}:oncall:page:{handoff_id}"


def ack_key(token: str) -> str:
    return f"{keys.PREFIX}:oncall:ack:{hashlib.sha256(token.encode()).hexdigest()}"


@dataclass(frozen=True, slots=True)
class Paged:
    """One waiting child's paging, for the console (queue id only, never the child)."""

    handoff_id: str
    step: int
    paged: str  # who was paged last
    paged_ms: int
    acked: str  # who acknowledged ("" not yet)


class Pager:
    # One way of reaching one person may take this long (the channel adapters retry with
    # backoff, SMTP waits on the server), so a stalled relay holds the tick up only so much.
    notify_timeout = 20.0

    def __init__(
        self,
        client: redis.Redis,
        queue: HandoffQueue,
        roster: Roster,
        notifiers: list[Notifier],
        cases: CaseRecords,
        content: Content,
        settings: Settings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = client
        self._queue = queue
        self.roster = roster
        self._notifiers = notifiers
        self._cases = cases
        self._content = content
        self._public_url = settings.public_url
        self._page_after_ms = int(settings.oncall_page_after_minutes * 60_000)
        self._escalate_ms = int(settings.oncall_escalate_after_minutes * 60_000)
        self._priorities = {"imminent", *settings.oncall_priorities}
        self._advance = client.register_script(_ADVANCE)
        self._said_unconfigured = False
        self.clock = clock

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    async def tick(self) -> None:
        """One round over the waiting children; logs and swallows every failure."""
        try:
            await self._tick()
        except Exception as error:  # the tick must go on: the next round tries again
            log.error("on-call tick failed", extra={"error": type(error).__name__})

    async def _tick(self) -> None:
        now = self.now_ms()
        for username, channel, user_id in await take_links(self._redis):
            try:
                await self.roster.set_account("bot", username, channel, user_id)
            except RosterError:  # taken off the roster meanwhile, or an id we cannot use
                log.warning("on-call link not kept", extra={"channel": channel})
        members = await self.roster.members()
        # The worker notes when these accounts write to the OA or page (their reply window);
        # kept in step with the roster here, whichever process or command changed it.
        await sync_contacts(self._redis, members)
        urgent = [h for h in await self._queue.waiting() if h.priority in self._priorities]
        if not urgent:
            return
        nobody_online = not await self._queue.online(now)
        people: list[Member] | None = None
        for found in urgent:
            state = await self._state(found.id)
            step = self._due(found, state, nobody_online, now)
            if step is None:
                continue
            if people is None:
                people = await self.roster.on_duty(datetime.fromtimestamp(now / 1000, UTC))
            if not people:
                await self._nobody_on_call(found, configured=bool(members))
                continue
            await self._page(found, people, state.get("step", ""), step, now)

    def _due(
        self, found: Handoff, state: dict[str, str], nobody_online: bool, now: int
    ) -> int | None:
        """The step to page now for this child, or None."""
        if "acked" in state or ("step" in state and not state.get("paged")):
            return None  # acknowledged, or the roster was gone through: nothing more to do
        if "step" not in state:
            waited = now - found.joined_ms
            return 0 if nobody_online or waited >= self._page_after_ms else None
        if now - int(state.get("paged_ms", 0)) >= self._escalate_ms:
            return int(state["step"]) + 1
        return None

    async def _page(
        self, found: Handoff, people: list[Member], expected: str, step: int, now: int
    ) -> None:
        """Pages the person at `step`; when nobody of theirs delivers, the next person at once
        (each person at most once in one tick, so an outage cannot use the roster up)."""
        for _ in people:
            if step >= len(people) * ROUNDS:
                if await self._take(found.id, expected, str(step), "", now):
                    await self._audit("oncall_exhausted", found, f"#{found.id} {len(people)}")
                    log.warning("on-call roster exhausted", extra={"people": len(people)})
                return
            person = people[step % len(people)]
            if not await self._take(found.id, expected, str(step), person.username, now):
                return  # another process took this step (or someone acknowledged)
            if await self._call(found, person, step):
                return
            expected, step = str(step), step + 1

    async def _nobody_on_call(self, found: Handoff, configured: bool) -> None:
        """Said once per child (audited when there is a roster and nobody on it is on duty
        now); paging starts as soon as someone is. No roster at all: paging is not set up,
        which is said once in the logs, not for every child."""
        if not configured:
            if not self._said_unconfigured:
                self._said_unconfigured = True
                log.warning("an urgent child waits unclaimed and the on-call roster is empty")
            return
        if await self._redis.hsetnx(state_key(found.id), "nobody_on_call", "1"):
            await self._redis.expire(state_key(found.id), STATE_TTL)
            await self._audit("oncall_nobody", found, f"#{found.id}")
            log.warning("an urgent child waits and nobody is on call")

    async def _call(self, found: Handoff, person: Member, step: int) -> bool:
        page = await self._page_for(found.id, person, step)
        for notifier in self._notifiers:
            if not notifier.reaches(person):
                continue
            try:
                async with asyncio.timeout(self.notify_timeout):
                    outcome = await notifier.send(person, page)
                ok, reason = outcome.ok, outcome.reason
            except TimeoutError:
                ok, reason = False, "timeout"
            except Exception as error:  # a notifier's bug must not stop the next one
                ok, reason = False, type(error).__name__
            detail = f"#{found.id} {person.username} step={step + 1} via={notifier.name}: {reason}"
            await self._audit("oncall_page", found, detail)
            if ok:
                return True
            log.warning("on-call page failed", extra={"via": notifier.name, "reason": reason})
        await self._audit("oncall_page", found, f"#{found.id} {person.username} step={step + 1}: "
                          "unreachable")  # fmt: skip
        return False

    async def _page_for(self, handoff_id: str, person: Member, step: int) -> Page:
        token = secrets.token_urlsafe(24)
        await self._redis.set(ack_key(token), f"{handoff_id}:{person.username}", ex=ACK_TTL)
        words = "console.oncall.page"
        if self._public_url:
            text = self._content.text(f"{words}.text", params={"link": self.ack_link(token)})
        else:
            text = self._content.text(f"{words}.text_no_link")
        return Page(self._content.text(f"{words}.subject"), text)

    def ack_link(self, token: str) -> str:
        return f"{self._public_url}{ACK_PATH}{token}"

    async def acknowledge(self, token: str, username: str) -> str | None:
        """The page's link opened and confirmed by a logged-in counselor: the escalation of
        that child stops. Returns the child's queue id, None for an unknown or old link."""
        found = await self._redis.get(ack_key(token))
        if not found:
            return None
        handoff_id, _, paged = _text(found).partition(":")
        key = state_key(handoff_id)
        if await self._redis.hsetnx(key, "acked", username):
            await self._redis.hset(key, "acked_ms", str(self.now_ms()))
            await self._redis.expire(key, STATE_TTL)
            child = await self._queue.get(handoff_id)
            case_id = int(child.case_id) if child and child.case_id else None
            await self._cases.audit(username, "oncall_ack", case_id, f"#{handoff_id} {paged}")
        return handoff_id

    async def lookup(self, token: str) -> str | None:
        found = await self._redis.get(ack_key(token))
        return _text(found).partition(":")[0] if found else None

    async def paging(self) -> list[Paged]:
        """The waiting children being paged for now, most urgent first."""
        shown = []
        for found in await self._queue.waiting():
            state = await self._state(found.id)
            if "step" in state:
                shown.append(
                    Paged(found.id, int(state["step"]) + 1, state.get("paged", ""),
                          int(state.get("paged_ms", 0)), state.get("acked", ""))
                )  # fmt: skip
        return shown

    async def _take(self, handoff_id: str, expected: str, step: str, who: str, now: int) -> bool:
        taken = await self._advance(
            keys=[state_key(handoff_id)], args=[expected, step, now, who, STATE_TTL]
        )
        return bool(taken)

    async def _state(self, handoff_id: str) -> dict[str, str]:
        raw = await self._redis.hgetall(state_key(handoff_id))
        return {_text(k): _text(v) for k, v in raw.items()}

    async def _audit(self, action: str, found: Handoff, detail: str) -> None:
        try:
            case_id = int(found.case_id) if found.case_id else None
            await self._cases.audit("bot", action, case_id, detail)
        except Exception as error:  # the page matters more than its record: log, go on
            log.error("on-call audit failed", extra={"error": type(error).__name__})


PAGER = web.AppKey("oncall_pager", Pager)


def build_pager(
    settings: Settings,
    client: redis.Redis,
    handoffs: Handoffs,
    cases: CaseRecords,
    content: Content,
    sessions: async_sessionmaker[AsyncSession],
) -> Pager:
    """The pager the app's tick runs, with the notifiers its settings allow (logged once)."""
    if not settings.public_url:
        log.warning("PUBLIC_URL unset: pages will carry no link to the console")
    return Pager(
        client, handoffs.queue, Roster(sessions), notifiers(settings, client, handoffs.adapters),
        cases, content, settings,
    )  # fmt: skip


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
