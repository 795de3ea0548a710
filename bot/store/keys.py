"""Every Redis key is built here: `bot:<area>:...`. Every key that is not a queue has a TTL."""

PREFIX = "bot"

INBOUND_STREAM = f"{PREFIX}:inbound"
WORKERS_GROUP = "workers"


def dedupe(channel: str, event_id: str) -> str:
    return f"{PREFIX}:dedupe:{channel}:{event_id}"


def session(channel: str, user_id: str) -> str:
    return f"{PREFIX}:session:{channel}:{user_id}"


def sequence(channel: str, user_id: str) -> str:
    return f"{PREFIX}:seq:{channel}:{user_id}"


def conversation_lock(channel: str, user_id: str) -> str:
    return f"{PREFIX}:lock:{channel}:{user_id}"


def outbox(event_id: str) -> str:
    return f"{PREFIX}:outbox:{event_id}"


def zalo_tokens() -> str:
    return f"{PREFIX}:zalo:tokens"


def zalo_refresh_lock() -> str:
    return f"{PREFIX}:zalo:refresh-lock"


def webchat_replies(chat_id: str) -> str:
    return f"{PREFIX}:webchat:{chat_id}"
