"""The pager's pieces on real Redis and a real SQL database, with the fake Zalo API, the fake
Graph API and the fake SMTP server in front of the real channel adapters and notifiers; a
clock the tests move. No NLU server: paging never reads a child's words."""

import functools
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import aiohttp
import pytest
import redis.asyncio as redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.db import database_url as async_url
from bot.cases.db import make_engine, migrate, sessions
from bot.cases.models import AuditEntry, Counselor
from bot.cases.records import CaseRecords
from bot.channels.base import ChannelAdapter, EventKind, IncomingEvent
from bot.channels.messenger import MessengerAdapter
from bot.channels.zalo import ZaloAdapter
from bot.channels.zalo_tokens import ZaloTokens
from bot.content import Content
from bot.handoff.queue import HandoffQueue
from bot.oncall.contacts import note_contact, sync_contacts
from bot.oncall.notifiers import notifiers
from bot.oncall.pager import Pager
from bot.oncall.roster import Roster
from bot.settings import Secret, Settings
from tests.console.conftest import counselors
from tests.fakes.graph import FakeGraph
from tests.fakes.smtp import FakeSmtp
from tests.fakes.zalo import FakeZalo

PUBLIC = "https://111.example.vn"
__all__ = ["counselors"]  # the console tests' logged-in counselors, for the app's tests here
PAGING = ("oncall_page", "oncall_ack", "oncall_exhausted", "oncall_nobody")
CHILD_WORDS = "em đang đứng trên sân thượng nhà ở Cầu Giấy"


@functools.cache
def content(folder: Path) -> Content:
    return Content.load(folder)


@pytest.fixture
async def smtp() -> AsyncIterator[FakeSmtp]:
    fake = FakeSmtp()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeZalo, FakeGraph]]:
    zalo, graph = FakeZalo(app_id="APP"), FakeGraph()
    await zalo.start()
    await graph.start()
    yield zalo, graph
    await zalo.stop()
    await graph.stop()


def channel_settings(zalo: FakeZalo, graph: FakeGraph, smtp: FakeSmtp) -> dict[str, object]:
    return {
        "zalo_app_id": "APP", "zalo_app_secret": Secret(zalo.app_secret),
        "zalo_oa_secret_key": Secret("OA_SECRET"), "zalo_access_token": Secret("AT-0"),
        "zalo_refresh_token": Secret("RT-0"), "zalo_api_base": zalo.url,
        "zalo_oauth_base": zalo.url,
        "messenger_app_secret": Secret("app-secret"), "messenger_verify_token": Secret("v"),
        "messenger_page_access_token": Secret("page-token"), "messenger_api_base": graph.url,
        "smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_security": "none",
        "smtp_from": "truc-dem@111.example.vn", "public_url": PUBLIC, "send_retries": 0,
    }  # fmt: skip


@dataclass
class Desk:
    """Everything a test of the pager touches; `at` is the pager's clock (seconds)."""

    client: redis.Redis
    engine: AsyncEngine
    settings: Settings
    queue: HandoffQueue
    roster: Roster
    cases: CaseRecords
    adapters: dict[str, ChannelAdapter]
    http: aiohttp.ClientSession
    at: list[float] = field(default_factory=lambda: [time.time()])

    def pager(self, client: redis.Redis | None = None, **changes: object) -> Pager:
        """A pager as one process has it (its own Redis client when given)."""
        own = client or self.client
        settings = replace(self.settings, **changes)  # type: ignore[arg-type]
        return Pager(
            own, HandoffQueue(own), self.roster, notifiers(settings, own, self.adapters),
            self.cases, content(settings.content_dir), settings, clock=lambda: self.at[0],
        )  # fmt: skip

    def later(self, minutes: float) -> None:
        self.at[0] += minutes * 60

    def now_ms(self) -> int:
        return int(self.at[0] * 1000)

    async def account(self, username: str, role: str = "counselor") -> None:
        """A console account as the roster sees it (no password: nobody logs in here, and
        hashing one costs a second)."""
        async with sessions(self.engine).begin() as db:
            db.add(Counselor(username=username, password_hash="-", role=role))

    async def child(self, priority: str = "imminent") -> tuple[str, int]:
        """A child waiting in the queue with an open case; returns (queue id, case id)."""
        user = f"child-{uuid.uuid4().hex[:8]}"
        case_id = await self.cases.open_or_update(
            "webchat", f"ref-{user}", "crisis_self_harm", priority, summary=CHILD_WORDS
        )
        handoff_id, _ = await self.queue.join(
            "webchat", user, priority, self.now_ms(), {"case_id": str(case_id)}
        )
        return handoff_id, case_id

    async def wrote_to_oa(self, channel: str, user_id: str) -> None:
        """The counselor's own account sent the OA or page a message (opens its window)."""
        await sync_contacts(self.client, await self.roster.members())
        event = IncomingEvent(channel, user_id, f"e-{user_id}", EventKind.TEXT,
                              int(time.time() * 1000), "bắt đầu ca trực")  # fmt: skip
        await note_contact(self.client, event)

    async def audit(self, *actions: str) -> list[AuditEntry]:
        """The audit log's paging entries (or the actions named), oldest first."""
        wanted = actions or PAGING
        async with sessions(self.engine)() as db:
            rows = await db.scalars(
                select(AuditEntry).where(AuditEntry.action.in_(wanted)).order_by(AuditEntry.id)
            )
            return list(rows)


@pytest.fixture
async def desk(
    base_settings: Settings,
    redis_client: redis.Redis,
    database_url: str,
    tmp_path: Path,
    fakes: tuple[FakeZalo, FakeGraph],
    smtp: FakeSmtp,
) -> AsyncIterator[Desk]:
    zalo, graph = fakes
    settings = replace(base_settings, **channel_settings(zalo, graph, smtp))  # type: ignore[arg-type]
    engine = make_engine(async_url(database_url, tmp_path))
    await migrate(engine)
    async with aiohttp.ClientSession() as http:
        adapters: dict[str, ChannelAdapter] = {
            "zalo": ZaloAdapter(settings, http, ZaloTokens(settings, redis_client, http)),
            "messenger": MessengerAdapter(settings, http),
        }
        yield Desk(
            redis_client, engine, settings, HandoffQueue(redis_client),
            Roster(sessions(engine)), CaseRecords(sessions(engine)), adapters, http,
        )  # fmt: skip
    await engine.dispose()


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    """The real app with no NLU server behind it (nothing answers on port 9): paging never
    reads a child's words, and without the model the pipeline still answers (the safety
    screen and the menu), so these tests need not wait for one to load."""
    return replace(base_settings, rasa_url="http://127.0.0.1:9", nlu_autostart=False)
