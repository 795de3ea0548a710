"""The recipients of referrals and the routing table (111 category × platform → recipients),
edited by supervisors, first filled from content/vi/recipients.yml.

Separate from the case records' directory (bot.cases.directory): that one lists services a
counselor gives a person by phone; this one lists who receives a case's evidence, by e-mail
or through a portal, and which package shape they read. Recipients are never deleted, only
made inactive, so an old referral still names who received it.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import AuditEntry
from bot.cases.stats import CLOSING
from bot.referrals.models import Recipient, RoutingRule

KINDS = ("platform", "portal", "authority", "police", "child_protection", "ngo")
SENDERS = ("email", "download")
SHAPES = ("cybertipline", "zalo_notice", "url_report")
LIMITS = {"name": 200, "kind": 24, "platforms": 200, "sender": 16, "email": 254, "url": 300,
          "shape": 24, "note": 1000}  # fmt: skip
_EMAIL = re.compile(r"^[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[a-z]{2,}$", re.IGNORECASE)
_PLATFORM = re.compile(r"^[a-z0-9_]{1,40}$")


@dataclass(frozen=True, slots=True)
class Entry:
    name: str
    kind: str
    sender: str = "download"
    shape: str = "url_report"
    platforms: str = ""
    email: str = ""
    url: str = ""
    note: str = ""

    @classmethod
    def checked(cls, data: dict[str, Any]) -> "Entry":
        """From a form or JSON; ValueError names the first field that is wrong. An e-mail
        address is one address (no header can be smuggled in); a link is http(s)."""
        values: dict[str, str] = {}
        for name, limit in LIMITS.items():
            value = data.get(name, "")
            if not isinstance(value, str) or len(value) > limit:
                raise ValueError(name)
            values[name] = value.strip()
        values["platforms"] = " ".join(values["platforms"].lower().split())
        if not values["name"]:
            raise ValueError("name")
        for name, allowed in (("kind", KINDS), ("sender", SENDERS), ("shape", SHAPES)):
            if values[name] not in allowed:
                raise ValueError(name)
        if values["email"] and not _EMAIL.match(values["email"]):
            raise ValueError("email")
        if values["sender"] == "email" and not values["email"]:
            raise ValueError("email")
        if values["url"] and not values["url"].lower().startswith(("https://", "http://")):
            raise ValueError("url")
        if not all(_PLATFORM.match(p) for p in values["platforms"].split()):
            raise ValueError("platforms")
        return cls(**values)


def as_json(recipient: Recipient) -> dict[str, Any]:
    return {"id": recipient.id, "key": recipient.key, "name": recipient.name,
            "kind": recipient.kind, "platforms": recipient.platforms,
            "sender": recipient.sender, "email": recipient.email, "url": recipient.url,
            "shape": recipient.shape, "note": recipient.note,
            "active": recipient.active}  # fmt: skip


def rule_json(rule: RoutingRule) -> dict[str, Any]:
    return {"id": rule.id, "category": rule.category, "platform": rule.platform,
            "recipient_id": rule.recipient_id, "created_by": rule.created_by}  # fmt: skip


class Recipients:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], seed: dict[str, Any]) -> None:
        self._sessions = sessions
        self._seed = seed

    async def seed(self) -> int:
        """Copies the content file's recipients and rules into an empty table (audited); two
        processes seeding at once: the second finds the keys taken and leaves it."""
        try:
            return await self._seed_once()
        except IntegrityError:
            return 0

    async def _seed_once(self) -> int:
        async with self._sessions.begin() as db:
            if await db.scalar(select(func.count()).select_from(Recipient)):
                return 0
            made: dict[str, Recipient] = {}
            for key, item in (self._seed.get("recipients") or {}).items():
                entry = Entry.checked(item)
                made[key] = _fill(Recipient(key=key), entry)
            db.add_all(made.values())
            await db.flush()
            for rule in self._seed.get("rules") or []:
                for key in rule["to"]:
                    db.add(
                        RoutingRule(category=rule["category"], platform=rule.get("platform", ""),
                                    recipient_id=made[key].id, created_by="seed")
                    )  # fmt: skip
            db.add(AuditEntry(actor="bot", action="recipients_seeded", detail=str(len(made))))
            return len(made)

    async def entries(self, only_active: bool = True) -> list[Recipient]:
        await self.seed()
        query = select(Recipient).order_by(Recipient.kind, Recipient.name, Recipient.id)
        if only_active:
            query = query.where(Recipient.active.is_(True))
        async with self._sessions() as db:
            return list(await db.scalars(query))

    async def get(self, recipient_id: int) -> Recipient | None:
        async with self._sessions() as db:
            return await db.get(Recipient, recipient_id)

    async def add(self, actor: str, entry: Entry) -> int:
        async with self._sessions.begin() as db:
            recipient = _fill(Recipient(key="added-" + secrets.token_hex(6)), entry)
            db.add(recipient)
            await db.flush()
            db.add(AuditEntry(actor=actor, action="recipient_add", detail=str(recipient.id)))
            return recipient.id

    async def change(self, actor: str, recipient_id: int, entry: Entry, active: bool) -> bool:
        async with self._sessions.begin() as db:
            recipient = await db.get(Recipient, recipient_id)
            if recipient is None:
                return False
            _fill(recipient, entry).active = active
            db.add(AuditEntry(actor=actor, action="recipient_change", detail=str(recipient_id)))
            return True

    # --- routing ----------------------------------------------------------------------------
    async def rules(self) -> list[RoutingRule]:
        await self.seed()
        query = select(RoutingRule).order_by(RoutingRule.category, RoutingRule.platform,
                                             RoutingRule.id)  # fmt: skip
        async with self._sessions() as db:
            return list(await db.scalars(query))

    async def add_rule(self, actor: str, category: str, platform: str, recipient_id: int) -> int:
        """ValueError("category" | "platform" | "recipient" | "duplicate")."""
        platform = platform.strip().lower()
        if category not in CLOSING:
            raise ValueError("category")
        if platform and not _PLATFORM.match(platform):
            raise ValueError("platform")
        async with self._sessions.begin() as db:
            recipient = await db.get(Recipient, recipient_id)
            if recipient is None or not recipient.active:
                raise ValueError("recipient")
            same = await db.scalar(
                select(RoutingRule.id).where(RoutingRule.category == category,
                                             RoutingRule.platform == platform,
                                             RoutingRule.recipient_id == recipient_id)
            )  # fmt: skip
            if same is not None:
                raise ValueError("duplicate")
            rule = RoutingRule(category=category, platform=platform, recipient_id=recipient_id,
                               created_by=actor)  # fmt: skip
            db.add(rule)
            await db.flush()
            db.add(
                AuditEntry(
                    actor=actor,
                    action="routing_add",
                    detail=f"{rule.id} {category} {platform or '*'} {recipient_id}",
                )
            )
            return rule.id

    async def remove_rule(self, actor: str, rule_id: int) -> bool:
        async with self._sessions.begin() as db:
            done = await db.execute(delete(RoutingRule).where(RoutingRule.id == rule_id))
            if not done.rowcount:  # type: ignore[attr-defined]
                return False
            db.add(AuditEntry(actor=actor, action="routing_remove", detail=str(rule_id)))
            return True

    async def routed(self, categories: list[str], platform: str) -> list[Recipient]:
        """The active recipients the rules name for these categories on this platform (a
        rule without a platform matches every one), each once."""
        await self.seed()
        query = (
            select(Recipient).join(RoutingRule, RoutingRule.recipient_id == Recipient.id)
            .where(RoutingRule.category.in_(categories), Recipient.active.is_(True),
                   RoutingRule.platform.in_(["", platform]))
            .order_by(Recipient.id)
        )  # fmt: skip
        async with self._sessions() as db:
            return list(dict.fromkeys(await db.scalars(query)))


def _fill(recipient: Recipient, entry: Entry) -> Recipient:
    recipient.name, recipient.kind, recipient.platforms = entry.name, entry.kind, entry.platforms
    recipient.sender, recipient.email, recipient.url = entry.sender, entry.email, entry.url
    recipient.shape, recipient.note = entry.shape, entry.note
    recipient.active, recipient.updated_at = True, datetime.now(UTC)
    return recipient
