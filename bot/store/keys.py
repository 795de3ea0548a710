"""Every Redis key is built here: `bot:<area>:...`. Every key that is not a queue has a TTL."""

PREFIX = "bot"

INBOUND_STREAM = f"{PREFIX}:inbound"  # Messenger and Zalo
WEBCHAT_STREAM = f"{PREFIX}:inbound:webchat"  # a lane of its own: it never delays the platforms
INBOUND_STREAMS = (INBOUND_STREAM, WEBCHAT_STREAM)
WORKERS_GROUP = "workers"


def inbound_stream(channel: str) -> str:
    return WEBCHAT_STREAM if channel == "webchat" else INBOUND_STREAM


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


# --- handoff to counselors and the console --------------------------------------------------
HANDOFF_QUEUE = f"{PREFIX}:handoff:queue"  # sorted set: conversation id → priority, then time
HANDOFF_IDS = f"{PREFIX}:handoff:ids"  # counter
HANDOFF_HANDLED = f"{PREFIX}:handoff:handled"  # recent handling times (seconds), newest first
# sorted set: conversation id → when a child who wrote of a crisis is next checked on
HANDOFF_CHECK_INS = f"{PREFIX}:handoff:checkins"
CONSOLE_EVENTS = f"{PREFIX}:console:events"  # pub/sub channel: live updates for every process
CONSOLE_ONLINE = f"{PREFIX}:console:online"  # sorted set: username → last heartbeat (ms)


def handoff(conversation_id: str) -> str:
    return f"{PREFIX}:handoff:conv:{conversation_id}"


def handoff_by_user(channel: str, user_id: str) -> str:
    return f"{PREFIX}:handoff:user:{channel}:{user_id}"


def console_session(token: str) -> str:
    return f"{PREFIX}:console:session:{token}"


def login_failures(name: str) -> str:
    return f"{PREFIX}:console:login-failures:{name}"


def rate(area: str, name: str) -> str:
    """A rate-limit counter (always with a TTL: the window)."""
    return f"{PREFIX}:rate:{area}:{name}"


def webchat_chat(chat_id: str) -> str:
    """A chat id the server issued (TTL: the session's); unknown ids are refused."""
    return f"{PREFIX}:webchat:chat:{chat_id}"


def console_sessions_of(username: str) -> str:
    """The set of a counselor's live session tokens (to end them together)."""
    return f"{PREFIX}:console:sessions-of:{username}"
