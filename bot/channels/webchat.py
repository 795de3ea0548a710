"""The local web chat: a try-out channel through the same pipeline (no platform account).

One Redis list per chat holds the conversation as the page shows it, both sides in order:
the child's lines (`from: child`), the bot's (`bot`) and a counselor's (`counselor`), for the
session's TTL, so a reload shows it all again and "delete" removes it all."""

import json
import re
import secrets
import time
import uuid
from collections.abc import Mapping
from typing import Any

import redis.asyncio as redis

from bot.channels.base import (
    BadPayload,
    Delivery,
    EventKind,
    IncomingEvent,
    OutgoingMessage,
    SendResult,
    SendStatus,
)
from bot.store import keys

CHAT_ID = re.compile(r"^[0-9a-f]{32}$")
MESSAGE_ID = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
MAX_TEXT = 2000  # the page's limit too (a counter and maxlength); longer is refused, not cut
MAX_TITLE = 100  # a tapped button's title, kept in the history as the child's line
PAGE = 200  # history items per request


class TooLong(BadPayload):
    """A text over MAX_TEXT characters: the page says so in Vietnamese."""


class WebChatAdapter:
    name = "webchat"

    def __init__(self, client: redis.Redis, enabled: bool, ttl_seconds: int) -> None:
        self._redis = client
        self._enabled = enabled
        self._ttl = ttl_seconds

    @property
    def enabled(self) -> bool:
        return self._enabled

    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        return True  # no platform signature: the chat id is the server-issued secret

    async def open_chat(self) -> str:
        """A new chat id (128 random bits), issued by the server and known for the TTL."""
        chat_id = secrets.token_hex(16)
        await self._redis.set(keys.webchat_chat(chat_id), "1", ex=self._ttl)
        return chat_id

    async def known(self, chat_id: str) -> bool:
        """Whether the server issued this id (and it has not expired); renews it."""
        return bool(await self._redis.expire(keys.webchat_chat(chat_id), self._ttl))

    def parse(self, body: bytes) -> list[IncomingEvent]:
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise BadPayload("not JSON") from None
        if not isinstance(data, dict) or not CHAT_ID.match(str(data.get("chat_id", ""))):
            raise BadPayload("chat_id must be 32 hex characters")
        text, payload = data.get("text"), data.get("payload")
        message_id = str(data.get("id") or uuid.uuid4().hex)
        if not MESSAGE_ID.match(message_id):
            raise BadPayload("bad id")
        common: dict[str, Any] = {
            "channel": self.name,
            "user_id": data["chat_id"],
            "event_id": message_id,
            "timestamp_ms": int(time.time() * 1000),
        }
        if isinstance(payload, str) and payload.strip():
            return [IncomingEvent(kind=EventKind.BUTTON, payload=payload[:1000], **common)]
        if isinstance(text, str) and text.strip():
            if len(text) > MAX_TEXT:
                raise TooLong(f"text longer than {MAX_TEXT} characters")
            return [IncomingEvent(kind=EventKind.TEXT, text=text, **common)]
        if data.get("start") is True:
            return [IncomingEvent(kind=EventKind.START, **common)]
        raise BadPayload("nothing to say: give text, payload or start")

    async def send(self, user_id: str, message: OutgoingMessage, delivery: Delivery) -> SendResult:
        """Into the chat's history while the chat exists (renewing it): a chat the child
        deleted, or one expired, collects nothing more (a late reply, a counselor's words)."""
        if not await self.known(user_id):
            return SendResult(SendStatus.REFUSED, "unknown_chat")
        item = {
            "from": "counselor" if delivery.human else "bot",
            "text": message.text,
            "buttons": [{"title": b.title, "payload": b.payload} for b in message.buttons],
        }
        await self._append(user_id, item)
        return SendResult(SendStatus.SENT)

    async def remember(self, event: IncomingEvent, title: str = "") -> None:
        """The child's own line (typed text, or the title of the button tapped), once per id."""
        text = event.text if event.kind is EventKind.TEXT else title[:MAX_TITLE]
        if not text.strip() or await self._redis.exists(keys.dedupe(self.name, event.event_id)):
            return
        await self._append(event.user_id, {"from": "child", "text": text, "id": event.event_id})

    async def _append(self, chat_id: str, item: dict[str, Any]) -> None:
        key = keys.webchat_replies(chat_id)
        async with self._redis.pipeline(transaction=True) as tx:
            tx.rpush(key, json.dumps(item, ensure_ascii=False))
            tx.expire(key, self._ttl)
            await tx.execute()

    async def history(self, chat_id: str, after: int) -> list[dict[str, Any]]:
        """Both sides, from the `after`-th item on (at most PAGE at a time)."""
        raw = await self._redis.lrange(keys.webchat_replies(chat_id), after, after + PAGE - 1)
        return [json.loads(item) for item in raw]

    async def replies(self, chat_id: str, after: int) -> list[dict[str, Any]]:
        """The bot's and counselors' messages only, after the first `after` of them."""
        raw = await self._redis.lrange(keys.webchat_replies(chat_id), 0, -1)
        items = [json.loads(item) for item in raw]
        theirs = [item for item in items if item.get("from") != "child"]
        return theirs[after : after + 50]

    async def forget(self, chat_id: str) -> None:
        """The page's "delete": the history, the chat id and the conversation's state."""
        await self._redis.delete(
            keys.webchat_replies(chat_id), keys.webchat_chat(chat_id),
            keys.session(self.name, chat_id),
        )  # fmt: skip
