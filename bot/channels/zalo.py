"""Zalo Official Account: webhook signature and events in, customer-service messages out."""

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from redis.exceptions import RedisError

from bot.channels.base import (
    BadPayload,
    Button,
    Delivery,
    EventKind,
    IncomingEvent,
    OutgoingMessage,
    SendResult,
    SendStatus,
)
from bot.channels.retry import Backoff
from bot.channels.text import split_text
from bot.channels.zalo_tokens import ZaloTokenError, ZaloTokens
from bot.settings import Settings

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-ZEvent-Signature"
FREE_WINDOW_MS = 48 * 3600 * 1000
CHARGED_WINDOW_MS = 7 * 24 * 3600 * 1000

MEDIA_EVENTS = {
    f"user_send_{media}": media
    for media in ("image", "sticker", "gif", "audio", "video", "file", "location")
}
TOKEN_ERRORS = frozenset({-216, -220})
RATE_LIMITED = -32
REFUSALS = {
    -230: "outside_window",
    -231: "outside_window",
    -232: "outside_window",
    -211: "out_of_quota",
    -213: "not_following",
    -227: "user_inactive",
    -244: "user_restricted",
}


@dataclass(frozen=True, slots=True)
class _Answer:
    """What one send call came back with."""

    code: int | None  # Zalo's `error` (0: sent); None when there was no usable answer
    reason: str  # loggable
    retry: bool = False


class ZaloAdapter:
    name = "zalo"

    def __init__(
        self,
        settings: Settings,
        session: aiohttp.ClientSession,
        tokens: ZaloTokens | None,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._session = session
        self._tokens = tokens
        self._backoff = backoff or Backoff(retries=settings.send_retries)
        self._clock = clock
        if self.enabled and not (settings.zalo_app_secret and settings.zalo_refresh_token):
            log.warning(
                "zalo_refresh_impossible",
                extra={"hint": "set ZALO_APP_SECRET and ZALO_REFRESH_TOKEN"},
            )

    @property
    def enabled(self) -> bool:
        s = self._settings
        return bool(s.zalo_app_id and s.zalo_oa_secret_key and s.zalo_access_token)

    # -- webhook ---------------------------------------------------------------------------

    def is_probe(self, body: bytes) -> bool:
        """Zalo's unsigned test POST when the webhook URL is registered: `{}` or nothing."""
        if not body.strip():
            return True
        try:
            return bool(json.loads(body) == {})
        except (ValueError, UnicodeDecodeError):
            return False

    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        """sha256(app_id + raw body + the body's timestamp + OA secret key), plain SHA-256."""
        if not self.enabled:
            return False
        signature = _header(headers, SIGNATURE_HEADER).strip()
        signature = signature.removeprefix("mac=").strip().lower()
        data = _json_object(body)
        if not signature or data is None:
            return False
        app_id = self._settings.zalo_app_id
        timestamp = data.get("timestamp")
        if not isinstance(timestamp, str) or _id(data.get("app_id")) != app_id:
            return False
        secret = self._settings.zalo_oa_secret_key.reveal()
        expected = hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode())
        return hmac.compare_digest(expected.hexdigest().encode(), signature.encode())

    def parse(self, body: bytes) -> list[IncomingEvent]:
        data = _json_object(body)
        if data is None:
            raise BadPayload("zalo: not a JSON object")
        name = data.get("event_name")
        if not isinstance(name, str):
            raise BadPayload("zalo: no event_name")
        event = self._event(name, data)
        return [event] if event else []

    def _event(self, name: str, data: dict[str, Any]) -> IncomingEvent | None:
        kind = _kind(name, data)
        if kind is None:
            return None  # receipts, anonymous users, our own sends, unknown events
        user = _user(kind, data)
        if not user:
            log.warning("zalo_event_without_user", extra={"event_name": name})
            return None
        raw_message = data.get("message")
        message: dict[str, Any] = raw_message if isinstance(raw_message, dict) else {}
        raw_time = data.get("timestamp")
        timestamp_ms = _int(raw_time, default=round(self._clock() * 1000))
        event_id = _id(message.get("msg_id")) or f"{name}:{user}:{raw_time or timestamp_ms}"
        text, payload, media_type = _str(message.get("text")), "", MEDIA_EVENTS.get(name, "")
        if kind is EventKind.BUTTON:
            text, payload = "", text
        elif name == "user_send_link":
            text, media_type = _link(message) or text, "link"
        return IncomingEvent(
            self.name, user, event_id, kind, timestamp_ms, text, payload, media_type
        )

    # -- sending ---------------------------------------------------------------------------

    async def send(self, user_id: str, message: OutgoingMessage, delivery: Delivery) -> SendResult:
        refused = self._outside_window(delivery)
        if refused:
            return refused
        parts = split_text(message.text + _options(message.buttons))
        if not parts:
            return SendResult(SendStatus.REFUSED, "empty_message")
        for part in parts:
            result = await self._send_part(user_id, part)
            if not result.ok:
                log.info("zalo_send_" + result.status, extra={"reason": result.reason})
                return result
        return SendResult(SendStatus.SENT)

    def _outside_window(self, delivery: Delivery) -> SendResult | None:
        last = delivery.last_user_message_ms
        age = None if last is None else self._clock() * 1000 - last
        if age is None or age >= CHARGED_WINDOW_MS:
            log.info("zalo_send_refused", extra={"reason": "outside_window"})
            return SendResult(SendStatus.REFUSED, "outside_window")
        if age >= FREE_WINDOW_MS:
            log.info("charged_window", extra={"channel": self.name})
        return None

    async def _send_part(self, user_id: str, text: str) -> SendResult:
        refreshed = False
        attempt = 0
        while True:
            try:
                token = await self._access_token()
                answer = await self._post(token, user_id, text)
                tokens = self._tokens
                if answer.code in TOKEN_ERRORS and not refreshed and tokens and tokens.can_refresh:
                    refreshed = True
                    log.info("zalo_token_rejected", extra={"code": answer.code})
                    await tokens.refresh(token)
                    continue
            except ZaloTokenError as error:
                status = SendStatus.FAILED if error.temporary else SendStatus.REFUSED
                return SendResult(status, f"token:{error.code}")
            except RedisError as error:  # the shared token store is unreachable
                return SendResult(SendStatus.FAILED, f"token_store:{type(error).__name__}")
            if answer.code == 0:
                return SendResult(SendStatus.SENT)
            if not answer.retry:
                return SendResult(SendStatus.REFUSED, answer.reason)
            if attempt >= self._settings.send_retries:
                return SendResult(SendStatus.FAILED, answer.reason)
            log.warning("zalo_send_retry", extra={"reason": answer.reason, "attempt": attempt})
            await self._backoff.wait(attempt)
            attempt += 1

    async def _access_token(self) -> str:
        if self._tokens is None:
            return self._settings.zalo_access_token.reveal()
        return await self._tokens.access_token()

    async def _post(self, token: str, user_id: str, text: str) -> _Answer:
        url = f"{self._settings.zalo_api_base}/v3.0/oa/message/cs"
        body = {"recipient": {"user_id": user_id}, "message": {"text": text}}
        timeout = aiohttp.ClientTimeout(total=self._settings.send_timeout)
        try:
            async with self._session.post(
                url, json=body, headers={"access_token": token}, timeout=timeout
            ) as response:
                if response.status != 200:
                    retry = response.status >= 500 or response.status == 429
                    return _Answer(None, f"http:{response.status}", retry=retry)
                answer: Any = await response.json(content_type=None)
        except TimeoutError:
            return _Answer(None, "timeout", retry=True)
        except aiohttp.ClientError as error:
            return _Answer(None, f"transport:{type(error).__name__}", retry=True)
        except ValueError:
            return _Answer(None, "bad_answer", retry=True)
        return _judge(answer)


def _judge(answer: Any) -> _Answer:
    """Zalo answers HTTP 200 even on failure: the `error` field decides."""
    code = answer.get("error") if isinstance(answer, dict) else None
    if not isinstance(code, int) or isinstance(code, bool):
        return _Answer(None, "bad_answer", retry=True)
    if code == 0:
        return _Answer(0, "sent")
    if code == RATE_LIMITED:
        return _Answer(code, "rate_limited", retry=True)
    if code in TOKEN_ERRORS:
        return _Answer(code, "bad_token")
    return _Answer(code, REFUSALS.get(code, f"code:{code}"))


def _kind(name: str, data: dict[str, Any]) -> EventKind | None:
    if name in ("user_send_text", "user_send_link"):
        return EventKind.TEXT
    if name in MEDIA_EVENTS:
        return EventKind.MEDIA
    if name == "user_click_button":
        return EventKind.BUTTON
    if name == "follow":
        return EventKind.START
    if name == "unfollow":
        return EventKind.STOP
    sender = data.get("sender")
    if name.startswith("oa_send_") and isinstance(sender, dict) and sender.get("admin_id"):
        return EventKind.HUMAN_REPLY
    return None


def _user(kind: EventKind, data: dict[str, Any]) -> str:
    """The user's OA-scoped id: the follower, the recipient of a person's reply, or the sender."""
    places = {
        EventKind.START: "follower",
        EventKind.STOP: "follower",
        EventKind.HUMAN_REPLY: "recipient",
    }
    place = places.get(kind, "sender")
    holder = data.get(place)
    return _id(holder.get("id")) if isinstance(holder, dict) else ""


def _link(message: dict[str, Any]) -> str:
    for attachment in message.get("attachments") or []:
        payload = attachment.get("payload") if isinstance(attachment, dict) else None
        if isinstance(payload, dict) and _str(payload.get("url")):
            return _str(payload.get("url"))
    return ""


def _options(buttons: tuple[Button, ...]) -> str:
    """Zalo's CS text message has no quick replies: the choices become numbered lines."""
    if not buttons:
        return ""
    lines = (f"{number}. {button.title}" for number, button in enumerate(buttons, start=1))
    return "\n\n" + "\n".join(lines)


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:  # a plain dict is case-sensitive; aiohttp's headers are not
        wanted = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == wanted), "")
    return value


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _id(value: Any) -> str:
    """Ids stay strings (19 digits do not survive a float); a number is written back exactly."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, int | str):
        return str(value)
    return ""


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
