"""A real SQL database per test (SQLite, or PostgreSQL with DATABASE_URL_TEST), the real
content, the real evidence items, and the fake SMTP server for the e-mail sender."""

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content import Content
from bot.evidence.items import Evidence
from bot.referrals.evidence import evidence_items
from bot.referrals.recipients import Recipients
from bot.referrals.service import Referrals
from bot.settings import Settings
from tests.conftest import ROOT
from tests.fakes.smtp import FakeSmtp

KEY = b"test-hash-key"
CONTENT = Content.load(ROOT / "content")


@pytest.fixture
def evidence(db: async_sessionmaker[AsyncSession]) -> Evidence:
    return Evidence(db, KEY)


@pytest.fixture
def referrals(db: async_sessionmaker[AsyncSession]) -> Referrals:
    return Referrals(db, evidence_items(db, KEY))


@pytest.fixture
def recipients(db: async_sessionmaker[AsyncSession]) -> Recipients:
    return Recipients(db, CONTENT.node("recipients"))


@pytest.fixture
def words() -> dict[str, Any]:
    found: dict[str, Any] = CONTENT.node("console")
    return found


@pytest.fixture
async def smtp() -> AsyncIterator[FakeSmtp]:
    fake = FakeSmtp()
    await fake.start()
    yield fake
    await fake.stop()


def smtp_settings(smtp: FakeSmtp) -> Settings:
    return replace(
        Settings.from_env({}), smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_security="none",
        smtp_from="chuyen-tiep@111.example.vn", smtp_timeout=5.0,
    )  # fmt: skip
