"""Console accounts (SQL, argon2 hashes checked off the event loop) and login sessions (Redis:
an idle timeout, an absolute lifetime, ended everywhere at logout). Login throttling is in
bot.console.throttle.

Every session carries its account's generation (a counter in Redis, read before the password
is checked). Disabling an account, or changing its password or role, raises the counter and
ends its sessions: a session started with an older generation (even one racing the change)
is refused on its next request or heartbeat."""

import asyncio
import hashlib
import json
import secrets
import time
from dataclasses import dataclass

import redis.asyncio as redis
from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import Counselor
from bot.console.passwords import problem
from bot.handoff import events
from bot.store import keys

ROLES = ("counselor", "supervisor", "admin")
COOKIE = "console_session"
IDLE_SECONDS = 30 * 60
LIFETIME_SECONDS = 12 * 3600  # a login ends after this however busy it is
USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")
_hasher = PasswordHasher()
# Verified when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Login:
    token: str
    username: str
    role: str
    csrf: str

    def can(self, role: str) -> bool:
        """supervisor ⊂ admin; everyone is a counselor."""
        return ROLES.index(self.role) >= ROLES.index(role)

    @property
    def ref(self) -> str:
        """Names the session in live updates without giving its token away."""
        return session_ref(self.token)


def session_ref(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


class Accounts:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(self, username: str, password: str, role: str) -> None:
        username = username.strip().lower()
        if not username or len(username) > 64 or not set(username) <= USERNAME_CHARS:
            raise AccountError("username: letters a-z, digits, '.', '_' or '-' (at most 64)")
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        refused = problem(password, username)
        if refused:
            raise AccountError(refused)
        try:
            async with self._sessions.begin() as db:
                db.add(
                    Counselor(username=username, password_hash=_hasher.hash(password), role=role)
                )
        except IntegrityError:
            raise AccountError(f"{username} exists already") from None

    async def check(self, username: str, password: str) -> Counselor | None:
        async with self._sessions() as db:
            found = await db.scalar(
                select(Counselor).where(Counselor.username == username.strip().lower())
            )
        stored = found.password_hash if found is not None and found.active else _DUMMY_HASH
        try:  # ~150 ms of CPU: in a thread, so the event loop keeps answering
            await asyncio.to_thread(_hasher.verify, stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        return found if found is not None and found.active else None

    async def exists(self, username: str) -> bool:
        async with self._sessions() as db:
            found = await db.scalar(
                select(Counselor.id).where(Counselor.username == username.strip().lower())
            )
        return found is not None

    async def listing(self) -> list[tuple[str, str, bool]]:
        """Every account: username, role, enabled (never a hash)."""
        async with self._sessions() as db:
            rows = await db.execute(
                select(Counselor.username, Counselor.role, Counselor.active)
                .order_by(Counselor.username)
            )  # fmt: skip
            return [(name, role, bool(active)) for name, role, active in rows]

    async def set_active(self, username: str, active: bool) -> str:
        """Enables or disables an account; returns its name. Refuses an unknown account and
        one already in that state."""
        name = username.strip().lower()
        async with self._sessions.begin() as db:
            found = await _account(db, name)
            if found.active == active:
                raise AccountError(f"{name} is {'enabled' if active else 'disabled'} already")
            found.active = active
        return name

    async def set_password(self, username: str, password: str) -> str:
        """A new password (the same policy as `add`); returns the account's name."""
        name = username.strip().lower()
        refused = problem(password, name)
        async with self._sessions.begin() as db:
            found = await _account(db, name)
            if refused:
                raise AccountError(refused)
            found.password_hash = await asyncio.to_thread(_hasher.hash, password)
        return name

    async def set_role(self, username: str, role: str) -> tuple[str, str]:
        """A new role; returns the account's name and its former role."""
        name = username.strip().lower()
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        async with self._sessions.begin() as db:
            found = await _account(db, name)
            if found.role == role:
                raise AccountError(f"{name} is {role} already")
            former, found.role = found.role, role
        return name, former

    async def state(self, username: str) -> tuple[bool, str] | None:
        """Whether the account is enabled, and its role; None when there is no such account."""
        async with self._sessions() as db:
            found = (
                await db.execute(
                    select(Counselor.active, Counselor.role).where(Counselor.username == username)
                )
            ).first()
        return None if found is None else (bool(found[0]), str(found[1]))

    async def usernames(self) -> list[tuple[str, str]]:
        async with self._sessions() as db:
            rows = await db.execute(
                select(Counselor.username, Counselor.role).where(Counselor.active)
                .order_by(Counselor.username)
            )  # fmt: skip
            return [(name, role) for name, role in rows]


class Logins:
    """Login sessions in Redis: a random token in an HttpOnly cookie, a CSRF token per
    session, an idle timeout and an absolute lifetime (12 h: a night shift fits). The idle
    timeout is renewed by what a person does (pages, actions, the desk's activity ping), not
    by the desk's own polling or websocket (bot.console.app decides), so an unattended desk
    does end. Logging out ends the session and tells every process to close its websockets."""

    def __init__(
        self,
        client: redis.Redis,
        lifetime_seconds: int = LIFETIME_SECONDS,
        idle_seconds: int = IDLE_SECONDS,
    ) -> None:
        self._redis = client
        self._lifetime = lifetime_seconds
        self.idle_seconds = idle_seconds

    async def generation(self, username: str) -> int:
        """The account's generation: read before its password is checked, given to `start`."""
        return int(await self._redis.get(account_generation(username)) or 0)

    async def start(self, username: str, role: str, generation: int = 0) -> Login:
        login = Login(secrets.token_urlsafe(32), username, role, secrets.token_urlsafe(32))
        data = {
            "username": username, "role": role, "csrf": login.csrf, "started": time.time(),
            "generation": generation,
        }  # fmt: skip
        mine = keys.console_sessions_of(username)
        async with self._redis.pipeline(transaction=True) as tx:
            tx.set(keys.console_session(login.token), json.dumps(data), ex=self._ttl(0))
            tx.sadd(mine, login.token)
            tx.expire(mine, self._lifetime)
            await tx.execute()
        return login

    def _ttl(self, age: float) -> int:
        return max(1, min(self.idle_seconds, int(self._lifetime - age)))

    async def find(self, token: str, renew: bool = True) -> Login | None:
        """The session of `token`, its idle timeout renewed when `renew` (a person did
        something); None when it has ended."""
        found = await self._load(token)
        if found is None:
            return None
        login, age = found
        if renew:
            await self._redis.expire(keys.console_session(token), self._ttl(age))
        return login

    async def remaining(self, token: str) -> tuple[int, int] | None:
        """Seconds until the session ends if nothing is done, and until its absolute end;
        None when it has ended. Renews nothing (the desk asks before it warns)."""
        found = await self._load(token)
        if found is None:
            return None
        idle_left = int(await self._redis.ttl(keys.console_session(token)))
        lifetime_left = max(0, int(self._lifetime - found[1]))
        return max(0, min(idle_left, lifetime_left)), lifetime_left

    async def alive(self, token: str) -> bool:
        """Whether the session still stands (without renewing it): for open websockets."""
        return await self._load(token) is not None

    async def _load(self, token: str) -> tuple[Login, float] | None:
        if not token or len(token) > 100:
            return None
        raw = await self._redis.get(keys.console_session(token))
        if not raw:
            return None
        data = json.loads(raw)
        age = time.time() - float(data.get("started", 0))
        if age >= self._lifetime or int(data.get("generation", 0)) != await self.generation(
            data["username"]
        ):  # too old, or its account was disabled, its password or role changed since
            await self.end(token)
            return None
        return Login(token, data["username"], data["role"], data["csrf"]), age

    async def end(self, token: str) -> str | None:
        """Ends the session; its websockets in every process are closed. Returns who it was."""
        key = keys.console_session(token)
        raw = await self._redis.getdel(key)
        username = json.loads(raw)["username"] if raw else None
        if username:
            await self._redis.srem(keys.console_sessions_of(username), token)
        await events.publish(self._redis, {"type": "revoke", "session": session_ref(token)})
        return str(username) if username else None

    async def end_all(self, username: str) -> int:
        """Ends every session of the account at once (disabled, password or role changed):
        the generation goes up first, so a login racing this is refused on its first use;
        each session's websockets close in every process and the account goes offline.
        Returns how many sessions were ended."""
        name = username.strip().lower()
        await self._redis.incr(account_generation(name))
        tokens = await self._redis.smembers(keys.console_sessions_of(name))
        ended = 0
        for token in tokens:
            ended += await self.end(token.decode() if isinstance(token, bytes) else token) == name
        await self._redis.zrem(keys.CONSOLE_ONLINE, name)
        return ended


def account_generation(username: str) -> str:
    """Raised whenever an account's sessions must end (kept without a TTL: it is tiny)."""
    return f"{keys.PREFIX}:console:account-generation:{username}"


def set_cookie(request: web.Request, response: web.StreamResponse, login: Login) -> None:
    """HttpOnly, SameSite=Strict, and Secure when the console is reached over HTTPS (directly
    or through the reverse proxy that says so)."""
    secure = request.secure or request.headers.get("X-Forwarded-Proto", "") == "https"
    response.set_cookie(
        COOKIE, login.token, path="/console", httponly=True, samesite="Strict", secure=secure
    )


async def _account(db: AsyncSession, name: str) -> Counselor:
    """The account named `name`, or AccountError for an unknown one."""
    found = await db.scalar(select(Counselor).where(Counselor.username == name))
    if found is None:
        raise AccountError(f"no account named {name}")
    return found
