"""The platform-neutral values and the interface every channel adapter implements."""

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Protocol


class EventKind(StrEnum):
    TEXT = "text"  # typed text
    BUTTON = "button"  # quick reply, postback or button: `payload` carries its meaning
    MEDIA = "media"  # image, sticker, audio, video, file, gif, location, link: see media_type
    START = "start"  # Get Started, Zalo follow: first contact, send the welcome
    STOP = "stop"  # Zalo unfollow
    HUMAN_REPLY = "human_reply"  # a person answered in the platform's own tool: pause the bot


@dataclass(frozen=True, slots=True)
class IncomingEvent:
    channel: str  # "messenger", "zalo" or "webchat"
    user_id: str  # the platform's id for the person: never logged raw
    event_id: str  # dedupe key, unique per platform event
    kind: EventKind
    timestamp_ms: int
    text: str = ""  # typed text (for a link: the URL)
    payload: str = ""  # button payload
    media_type: str = ""  # image, sticker, audio, video, file, gif, location, link, ...

    def __post_init__(self) -> None:
        # JSON may carry lone surrogates ("\ud800"), which no UTF-8 store or API accepts.
        for name in ("user_id", "event_id", "text", "payload", "media_type"):
            value = getattr(self, name)
            clean = value.encode("utf-8", "replace").decode("utf-8")
            if clean != value:
                object.__setattr__(self, name, clean)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, data: str | bytes) -> "IncomingEvent":
        fields = json.loads(data)
        fields["kind"] = EventKind(fields["kind"])
        return cls(**fields)


@dataclass(frozen=True, slots=True)
class Button:
    title: str  # ≤ 20 characters (Messenger quick replies)
    payload: str


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class Delivery:
    """Who sends and how: the window rules depend on both."""

    last_user_message_ms: int | None  # None: unknown, treat as outside every window
    human: bool = False  # a counselor's words (Messenger HUMAN_AGENT tag allowed up to 7 days)
    typing: bool = True  # show "typing…" first where the platform can (not for instant replies)


class SendStatus(StrEnum):
    SENT = "sent"
    REFUSED = "refused"  # permanent: outside the window, blocked, bad token, no such user
    FAILED = "failed"  # temporary errors persisted through every retry


@dataclass(frozen=True, slots=True)
class SendResult:
    status: SendStatus
    reason: str = ""  # short, loggable: an error code or rule name, never message text

    @property
    def ok(self) -> bool:
        return self.status is SendStatus.SENT


class BadPayload(ValueError):
    """A body that passed the signature check but is not the platform's JSON (HTTP 400)."""


class ChannelAdapter(Protocol):
    name: str

    @property
    def enabled(self) -> bool:
        """False when the channel's secrets are not all set: its webhook answers 404."""
        ...

    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        """The platform's signature over the raw body bytes, compared in constant time."""
        ...

    def parse(self, body: bytes) -> list[IncomingEvent]:
        """Every event of a verified body the bot acts on; raises BadPayload."""
        ...

    async def send(
        self, user_id: str, message: OutgoingMessage, delivery: Delivery
    ) -> SendResult: ...
