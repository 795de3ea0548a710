"""The ways a page reaches an on-call counselor, tried in order until one delivers:

* the bot's own Zalo OA or Messenger page, to the counselor's own account (they follow the
  OA or wrote to the page), through the same adapters as every reply, with their window rules;
* an e-mail over SMTP (stdlib smtplib in a thread; STARTTLS, SSL, or none for a local relay).

A notifier without its settings is disabled and says so once at start-up. A failure is a
result, never an exception, and is named by a short reason: no server text, no secret.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as redis

from bot.channels.base import ChannelAdapter, Delivery, OutgoingMessage
from bot.mail import new_message, send_mail
from bot.oncall.contacts import last_seen_ms
from bot.oncall.roster import Member
from bot.settings import Settings

log = logging.getLogger(__name__)

SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True, slots=True)
class Page:
    """What the counselor reads: a plain notice and the link, never the child's words."""

    subject: str
    text: str


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    reason: str = ""  # "sent", or a short failure name (an error code, a class name)


class Notifier(Protocol):
    name: str

    @property
    def enabled(self) -> bool: ...

    def reaches(self, member: Member) -> bool: ...

    async def send(self, member: Member, page: Page) -> Outcome: ...


class ChannelNotifier:
    """A message from the bot's OA or page to the counselor's own account on it."""

    name = "channel"

    def __init__(self, client: redis.Redis, adapters: Mapping[str, ChannelAdapter]) -> None:
        self._redis = client
        self._adapters = {n: a for n, a in adapters.items() if n in ("zalo", "messenger")}

    @property
    def enabled(self) -> bool:
        return any(adapter.enabled for adapter in self._adapters.values())

    def reaches(self, member: Member) -> bool:
        adapter = self._adapters.get(member.channel)
        return bool(adapter and adapter.enabled and member.channel_user_id)

    async def send(self, member: Member, page: Page) -> Outcome:
        adapter = self._adapters[member.channel]
        seen = await last_seen_ms(self._redis, member)  # None: outside every window
        result = await adapter.send(
            member.channel_user_id, OutgoingMessage(page.text), Delivery(seen, typing=False)
        )
        return Outcome(result.ok, "sent" if result.ok else f"{result.status}:{result.reason}")


class EmailNotifier:
    name = "email"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.problem = _problem(settings)  # why it is disabled ("" when it is not)

    @property
    def enabled(self) -> bool:
        return not self.problem

    def reaches(self, member: Member) -> bool:
        return self.enabled and bool(member.email)

    async def send(self, member: Member, page: Page) -> Outcome:
        message = new_message(self._settings, member.email, page.subject)
        message.set_content(page.text)
        failed = await send_mail(self._settings, message)
        return Outcome(not failed, failed or "sent")


def _problem(settings: Settings) -> str:
    if not settings.smtp_host or not settings.smtp_from:
        return "SMTP_HOST or SMTP_FROM unset"
    if settings.smtp_security not in SECURITY:
        return f"SMTP_SECURITY must be one of {', '.join(SECURITY)}"
    if settings.smtp_security == "none" and settings.smtp_user:
        return "SMTP_USER with SMTP_SECURITY=none would send the password in clear"
    return ""


def notifiers(
    settings: Settings, client: redis.Redis, adapters: Mapping[str, ChannelAdapter]
) -> list[Notifier]:
    """The channel first (a phone notification), then e-mail; logs once what is disabled."""
    channel, email = ChannelNotifier(client, adapters), EmailNotifier(settings)
    log.info(
        "on-call notifiers",
        extra={
            "channel": "enabled" if channel.enabled else "disabled: no Zalo or Messenger",
            "email": "enabled" if email.enabled else f"disabled: {email.problem}",
        },
    )
    return [channel, email]
