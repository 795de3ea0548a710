"""Console accounts (SQL, argon2 hashes), login sessions (Redis, idle timeout) and login rate
limits (Redis counters per account and per address)."""

import json
import secrets
from dataclasses import dataclass

import redis.asyncio as redis
from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import Counselor
from bot.store import keys

ROLES = ("counselor", "supervisor", "admin")
COOKIE = "console_session"
IDLE_SECONDS = 30 * 60
# Failed logins allowed within FAILURE_WINDOW: per account, and (higher: a hotline's
# counselors may share one office address) per address.
MAX_FAILURES = {"user": 5, "addr": 20}
FAILURE_WINDOW = 15 * 60
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


class Accounts:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(self, username: str, password: str, role: str) -> None:
        username = username.strip().lower()
        if not username or len(username) > 64 or not set(username) <= USERNAME_CHARS:
            raise AccountError("username: letters a-z, digits, '.', '_' or '-' (at most 64)")
        if role not in ROLES:
            raise AccountError(f"role must be one of {', '.join(ROLES)}")
        if len(password) < 10:
            raise AccountError("password: at least 10 characters")
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
        try:
            _hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        return found if found is not None and found.active else None

    async def usernames(self) -> list[tuple[str, str]]:
        async with self._sessions() as db:
            rows = await db.execute(
                select(Counselor.username, Counselor.role).where(Counselor.active)
                .order_by(Counselor.username)
            )  # fmt: skip
            return [(name, role) for name, role in rows]


class Logins:
    """Login sessions in Redis: a random token in an HttpOnly cookie, a CSRF token per
    session, and an idle timeout renewed on every request."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    async def start(self, username: str, role: str) -> Login:
        login = Login(secrets.token_urlsafe(32), username, role, secrets.token_urlsafe(32))
        data = json.dumps({"username": username, "role": role, "csrf": login.csrf})
        await self._redis.set(keys.console_session(login.token), data, ex=IDLE_SECONDS)
        return login

    async def find(self, token: str) -> Login | None:
        if not token or len(token) > 100:
            return None
        key = keys.console_session(token)
        async with self._redis.pipeline(transaction=True) as tx:
            tx.get(key)
            tx.expire(key, IDLE_SECONDS)
            raw, _ = await tx.execute()
        if not raw:
            return None
        data = json.loads(raw)
        return Login(token, data["username"], data["role"], data["csrf"])

    async def end(self, token: str) -> None:
        await self._redis.delete(keys.console_session(token))

    async def too_many_failures(self, *names: str) -> bool:
        counts = await self._redis.mget([keys.login_failures(n) for n in names])
        limits = [MAX_FAILURES[name.partition(":")[0]] for name in names]
        return any(int(c or 0) >= limit for c, limit in zip(counts, limits, strict=True))

    async def failed(self, *names: str) -> None:
        async with self._redis.pipeline(transaction=True) as tx:
            for name in names:
                tx.incr(keys.login_failures(name))
            counts = await tx.execute()
        for name, count in zip(names, counts, strict=True):
            if int(count) == 1:  # the window starts at the first failure (Redis 6 has no NX)
                await self._redis.expire(keys.login_failures(name), FAILURE_WINDOW)

    async def succeeded(self, username: str) -> None:
        await self._redis.delete(keys.login_failures(f"user:{username}"))


def client_address(request: web.Request) -> str:
    """The address a login came from: behind the reverse proxy on this host (a loopback
    peer), the last address it added to X-Forwarded-For; otherwise the peer itself."""
    peer = request.remote or "?"
    forwarded = request.headers.get("X-Forwarded-For", "")
    if forwarded and peer in ("127.0.0.1", "::1"):
        return forwarded.split(",")[-1].strip()[:64] or peer
    return peer


def set_cookie(request: web.Request, response: web.StreamResponse, login: Login) -> None:
    """HttpOnly, SameSite=Strict, and Secure when the console is reached over HTTPS (directly
    or through the reverse proxy that says so)."""
    secure = request.secure or request.headers.get("X-Forwarded-Proto", "") == "https"
    response.set_cookie(
        COOKIE, login.token, path="/console", httponly=True, samesite="Strict", secure=secure
    )
