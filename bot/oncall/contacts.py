"""When an on-call counselor's own account last wrote to the bot's OA or page.

The platforms let the bot write to a person only within a window after that person's last
message (Messenger 24 h for an automated message, Zalo 7 days, charged after 48 h), and a
page is an automated message. So the worker notes, for the roster's accounts only, when
they last wrote: a counselor starting a shift sends any message to the OA or page and can be
paged until the window closes. Children's messages leave nothing here (the script looks the
sender up in the roster's set first).

Linking: nobody can read an account's OA-scoped id off a phone, so a supervisor makes a
one-time code (`oncall link`, or the roster page) and the counselor sends "TRUC <code>" to
the OA or page from their own account; the worker notes the pair, the pager's tick writes it
to the roster (audited). The code is single use and lives 30 minutes.
"""

import logging
import re
import secrets

import redis.asyncio as redis

from bot.channels.base import EventKind, IncomingEvent
from bot.channels.messenger import DAY_MS
from bot.channels.zalo import CHARGED_WINDOW_MS
from bot.oncall.roster import Member
from bot.store import keys

log = logging.getLogger(__name__)

CONTACTS = f"{keys.PREFIX}:oncall:contacts"  # set: "channel:id" of the roster's accounts
SEEN = f"{keys.PREFIX}:oncall:contact-seen"  # hash: "channel:id" → last message (ms)
LINKED = f"{keys.PREFIX}:oncall:linked"  # hash: username → "channel:id" sent with a code
WINDOW_MS = {"messenger": DAY_MS, "zalo": CHARGED_WINDOW_MS}
LINK_TTL = 30 * 60
_CODE = re.compile(r"^\s*TR(?:U|Ự)C\s*(\d{8})\s*$", re.IGNORECASE)

# A code sent by an account: whose code it was, and the account noted (seen now) for them.
_LINK = """
local username = redis.call('GET', KEYS[1])
if not username then return false end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[2], username, ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
return username
"""

_NOTE = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return 0 end
local last = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if tonumber(ARGV[2]) > last then redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end
return 1
"""


def contact(channel: str, user_id: str) -> str:
    return f"{channel}:{user_id}"


def link_key(code: str) -> str:
    return f"{keys.PREFIX}:oncall:link:{code}"


async def new_link_code(client: redis.Redis, username: str) -> str:
    """A fresh 8-digit code for this roster member (30 minutes, single use)."""
    while True:
        code = f"{secrets.randbelow(10**8):08d}"
        if await client.set(link_key(code), username, nx=True, ex=LINK_TTL):
            return code


async def note_contact(client: redis.Redis, event: IncomingEvent) -> None:
    """Called by the worker for every inbound event; never fails the turn."""
    if event.channel not in WINDOW_MS:
        return
    sender = contact(event.channel, event.user_id)
    try:
        await client.register_script(_NOTE)(
            keys=[CONTACTS, SEEN], args=[sender, event.timestamp_ms]
        )
        code = _CODE.match(event.text) if event.kind is EventKind.TEXT else None
        if code:
            await client.register_script(_LINK)(
                keys=[link_key(code.group(1)), LINKED, CONTACTS, SEEN],
                args=[sender, event.timestamp_ms],
            )
    except redis.RedisError:
        log.warning("on-call contact not noted", extra={"channel": event.channel})


async def take_links(client: redis.Redis) -> list[tuple[str, str, str]]:
    """Accounts linked by a code since the last look: (username, channel, id), each taken
    by one process only (HDEL answers 1 once)."""
    taken = []
    for username, value in (await client.hgetall(LINKED)).items():
        name, pair = _text(username), _text(value)
        if await client.hdel(LINKED, name):
            channel, _, user_id = pair.partition(":")
            taken.append((name, channel, user_id))
    return taken


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def sync_contacts(client: redis.Redis, members: list[Member]) -> None:
    """The roster's accounts, as the script above looks them up (one transaction)."""
    wanted = {contact(m.channel, m.channel_user_id) for m in members if m.channel_user_id}
    async with client.pipeline(transaction=True) as tx:
        tx.delete(CONTACTS)
        if wanted:
            tx.sadd(CONTACTS, *wanted)
        await tx.execute()


async def last_seen_ms(client: redis.Redis, member: Member) -> int | None:
    if not member.channel_user_id:
        return None
    found = await client.hget(SEEN, contact(member.channel, member.channel_user_id))
    return int(found) if found else None


def window_closes_ms(member: Member, seen_ms: int | None) -> int | None:
    """Until when the bot may write to this person's account (None: not now, never wrote)."""
    span = WINDOW_MS.get(member.channel)
    return None if span is None or seen_ms is None else seen_ms + span
