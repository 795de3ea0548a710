"""Facebook Messenger: webhook handshake and signature, event parsing, the Send API."""

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp

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
from bot.channels.retry import Backoff, TokenBucket
from bot.channels.text import split_text
from bot.settings import Settings

log = logging.getLogger(__name__)

GET_STARTED = "GET_STARTED"
SIGNATURE_HEADER = "X-Hub-Signature-256"
DAY_MS = 24 * 3600 * 1000
HUMAN_AGENT_MS = 7 * DAY_MS
MAX_QUICK_REPLIES = 13
MAX_TITLE = 20
MAX_PAYLOAD = 1000

RATE_LIMIT_CODES = frozenset({4, 613})
TEMPORARY_CODES = frozenset({1200, 2})
WINDOW_SUBCODES = frozenset({2018278, 2534022})
MEDIA_TYPES = frozenset(
    {"image", "audio", "video", "file", "reel", "ig_reel", "sticker", "location", "template"}
)


class MessengerAdapter:
    name = "messenger"

    def __init__(
        self,
        settings: Settings,
        session: aiohttp.ClientSession,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._session = session
        self._backoff = backoff or Backoff()
        self._clock = clock
        self._timeout = aiohttp.ClientTimeout(total=settings.send_timeout)
        rate = settings.messenger_calls_per_second
        self._bucket = TokenBucket(rate, rate)

    @property
    def enabled(self) -> bool:
        s = self._settings
        return bool(
            s.messenger_app_secret and s.messenger_verify_token and s.messenger_page_access_token
        )

    # -- webhook -------------------------------------------------------------------------

    def verify_subscription(self, query: Mapping[str, str]) -> str | None:
        """The challenge to echo back, only for `subscribe` with our verify token."""
        expected = self._settings.messenger_verify_token.reveal()
        given = query.get("hub.verify_token", "")
        challenge = query.get("hub.challenge", "")
        if not expected or query.get("hub.mode") != "subscribe" or not challenge:
            return None
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return None
        return challenge

    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        secret = self._settings.messenger_app_secret.reveal()
        header = _header(headers, SIGNATURE_HEADER)
        if not secret or header is None or not header.startswith("sha256="):
            return False
        try:
            given = bytes.fromhex(header.removeprefix("sha256="))
        except ValueError:
            return False
        expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
        return hmac.compare_digest(expected, given)

    def parse(self, body: bytes) -> list[IncomingEvent]:
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise BadPayload("not JSON") from error
        if not isinstance(data, dict) or data.get("object") != "page":
            raise BadPayload("not a page event")
        events: list[IncomingEvent] = []
        for entry in _list(data, "entry", required=True):
            if not isinstance(entry, dict):
                raise BadPayload("entry is not an object")
            # entry["standby"]: conversations another app owns, deliberately not read.
            for item in _list(entry, "messaging"):
                event = _event(item)
                if event is not None:
                    events.append(event)
        return events

    # -- Send API ------------------------------------------------------------------------

    async def send(self, user_id: str, message: OutgoingMessage, delivery: Delivery) -> SendResult:
        if not self.enabled:
            return SendResult(SendStatus.REFUSED, "disabled")
        window = self._window(delivery)
        if window is None:
            return SendResult(SendStatus.REFUSED, "outside_window")
        parts = split_text(message.text)
        if not parts:
            return SendResult(SendStatus.REFUSED, "empty")
        if delivery.typing:
            await self._typing_on(user_id)
        for index, part in enumerate(parts):
            content: dict[str, Any] = {"text": part}
            if index == len(parts) - 1 and message.buttons:
                content["quick_replies"] = quick_replies(message.buttons)
            body = {"recipient": {"id": user_id}, **window, "message": content}
            result = await self._deliver(body)
            if not result.ok:
                log.warning(
                    "messenger send stopped",
                    extra={"reason": result.reason, "part": index, "parts": len(parts)},
                )
                return result
        return SendResult(SendStatus.SENT)

    def _window(self, delivery: Delivery) -> dict[str, str] | None:
        """RESPONSE within 24 h; a counselor's HUMAN_AGENT reply within 7 days; else None."""
        if delivery.last_user_message_ms is None:
            return None
        age = self._clock() * 1000 - delivery.last_user_message_ms
        if age < DAY_MS:
            return {"messaging_type": "RESPONSE"}
        if delivery.human and age < HUMAN_AGENT_MS:
            return {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
        return None

    async def _typing_on(self, user_id: str) -> None:
        """Best effort: one attempt, its failure never fails the send."""
        result = await self._call({"recipient": {"id": user_id}, "sender_action": "typing_on"})
        if not result.ok:
            log.info("messenger typing_on failed", extra={"reason": result.reason})

    async def _deliver(self, body: dict[str, Any]) -> SendResult:
        """One message, retried on rate limits and temporary errors (FAILED means retryable)."""
        retries = self._settings.send_retries
        result = SendResult(SendStatus.FAILED, "not_sent")
        for attempt in range(retries + 1):
            started = time.monotonic()
            result = await self._call(body)
            elapsed_ms = round((time.monotonic() - started) * 1000)
            if result.status is not SendStatus.FAILED:
                if result.reason == "bad_token":
                    log.error("messenger page access token rejected", extra={"code": 190})
                return result
            log.warning(
                "messenger send attempt failed",
                extra={"reason": result.reason, "attempt": attempt, "ms": elapsed_ms},
            )
            if attempt < retries:
                await self._backoff.wait(attempt)
        return result

    async def _call(self, body: dict[str, Any]) -> SendResult:
        await self._bucket.acquire()
        url = f"{self._settings.messenger_api_base}/me/messages"
        params = {"access_token": self._settings.messenger_page_access_token.reveal()}
        try:
            async with self._session.post(
                url, params=params, json=body, timeout=self._timeout
            ) as resp:
                raw = await resp.read()
                status = resp.status
        except TimeoutError:
            return SendResult(SendStatus.FAILED, "timeout")
        except aiohttp.ClientError:
            return SendResult(SendStatus.FAILED, "connection")
        return classify(status, _json_or_none(raw))


def classify(status: int, data: Any) -> SendResult:
    """The outcome of one Graph call. FAILED: temporary, worth a retry; REFUSED: permanent."""
    code, subcode = _error_codes(data)
    if status < 300 and code is None:
        return SendResult(SendStatus.SENT)
    if code in RATE_LIMIT_CODES or code in TEMPORARY_CODES:
        return SendResult(SendStatus.FAILED, f"code:{code}")
    if code == 10 and subcode in WINDOW_SUBCODES:
        return SendResult(SendStatus.REFUSED, "outside_window")
    if code == 190:
        return SendResult(SendStatus.REFUSED, "bad_token")
    if code == 100 and subcode == 2018001:
        return SendResult(SendStatus.REFUSED, "no_user")
    if code == 551:
        return SendResult(SendStatus.REFUSED, "unavailable")
    reason = f"code:{code}" if code is not None else f"http:{status}"
    if status >= 500 or status == 429:
        return SendResult(SendStatus.FAILED, reason)
    return SendResult(SendStatus.REFUSED, reason)


def quick_replies(buttons: tuple[Button, ...]) -> list[dict[str, str]]:
    return [
        {
            "content_type": "text",
            "title": button.title[:MAX_TITLE],
            "payload": button.payload[:MAX_PAYLOAD],
        }
        for button in buttons[:MAX_QUICK_REPLIES]
    ]


# -- parsing helpers ---------------------------------------------------------------------


def _event(item: Any) -> IncomingEvent | None:
    """The event a messaging item carries, or None for echoes, receipts and handover notices."""
    if not isinstance(item, dict):
        raise BadPayload("messaging item is not an object")
    message = _object(item, "message")
    if message is not None:
        return None if message.get("is_echo") else _from_message(item, message)
    postback = _object(item, "postback")
    if postback is not None:
        return _from_postback(item, postback)
    if _object(item, "take_thread_control") is not None:
        # Another app (Page Inbox: a person) took the conversation: the bot pauses for it.
        user_id, timestamp = _sender(item), _timestamp(item)
        return IncomingEvent(
            "messenger", user_id, f"take:{user_id}:{timestamp}", EventKind.HUMAN_REPLY, timestamp
        )
    return None  # delivery, read, pass_thread_control, reactions, referrals...


def _from_message(item: dict[str, Any], message: dict[str, Any]) -> IncomingEvent | None:
    user_id, timestamp = _sender(item), _timestamp(item)
    event_id = _string(message.get("mid")) or f"msg:{user_id}:{timestamp}"
    text = _string(message.get("text"))
    quick = _object(message, "quick_reply") or {}
    payload = _string(quick.get("payload"))
    attachments = message.get("attachments")

    def make(kind: EventKind, **fields: str) -> IncomingEvent:
        return IncomingEvent("messenger", user_id, event_id, kind, timestamp, **fields)

    if payload:
        return make(EventKind.BUTTON, payload=payload, text=text)
    if text:
        return make(EventKind.TEXT, text=text)
    if isinstance(attachments, list) and attachments:
        media_type, link = _media(attachments[0])
        return make(EventKind.MEDIA, media_type=media_type, text=link)
    return None


def _from_postback(item: dict[str, Any], postback: dict[str, Any]) -> IncomingEvent:
    user_id, timestamp = _sender(item), _timestamp(item)
    event_id = _string(postback.get("mid")) or f"pb:{user_id}:{timestamp}"
    payload = _string(postback.get("payload"))
    kind = EventKind.START if payload == GET_STARTED else EventKind.BUTTON
    return IncomingEvent("messenger", user_id, event_id, kind, timestamp, payload=payload)


def _media(attachment: Any) -> tuple[str, str]:
    """(media_type, link URL or ""): stickers arrive as images with a sticker_id; shared
    links as `fallback`; unknown types become "unknown"."""
    if not isinstance(attachment, dict):
        return "unknown", ""
    kind = _string(attachment.get("type"))
    payload = attachment.get("payload")
    payload = payload if isinstance(payload, dict) else {}
    if kind == "fallback":
        return "link", _string(payload.get("url"))
    if kind == "image" and payload.get("sticker_id"):
        return "sticker", ""
    return (kind if kind in MEDIA_TYPES else "unknown"), ""


def _sender(item: dict[str, Any]) -> str:
    sender = _object(item, "sender") or {}
    user_id = sender.get("id")
    if isinstance(user_id, bool) or not isinstance(user_id, str | int) or user_id == "":
        raise BadPayload("messaging item without sender id")
    return str(user_id)


def _timestamp(item: dict[str, Any]) -> int:
    value = item.get("timestamp")
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadPayload("messaging item without timestamp")
    return value


def _object(parent: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = parent.get(key)
    if value is None or isinstance(value, dict):
        return value
    raise BadPayload(f"{key} is not an object")


def _list(parent: dict[str, Any], key: str, required: bool = False) -> list[Any]:
    value = parent.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise BadPayload(f"{key} is not a list")
    return value


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def _error_codes(data: Any) -> tuple[int | None, int | None]:
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return None, None
    code, subcode = error.get("code"), error.get("error_subcode")
    return (
        code if isinstance(code, int) else None,
        subcode if isinstance(subcode, int) else None,
    )


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
