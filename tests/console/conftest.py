"""Counselors for the console tests: each with their own cookies, logged in through the API,
and (when `online`) with the live websocket open, which is what marks them online."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from bot.appkeys import DATABASE
from bot.console.auth import Accounts

PASSWORD = "mật-khẩu-đủ-dài"


class Counselor:
    def __init__(self, client: TestClient, username: str) -> None:  # type: ignore[type-arg]
        self.client = client
        self.username = username
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""
        self.socket: aiohttp.ClientWebSocketResponse | None = None
        self.live: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None

    def url(self, path: str) -> str:
        return str(self.client.make_url(path))

    async def login(self, password: str = PASSWORD) -> aiohttp.ClientResponse:
        resp = await self.http.post(
            self.url("/console/api/login"), json={"username": self.username, "password": password}
        )
        if resp.status == 200:
            self.csrf = (await resp.json())["csrf_token"]
        return resp

    async def call(
        self, method: str, path: str, body: Any = None, csrf: bool = True
    ) -> tuple[int, Any]:
        headers = {"X-CSRF-Token": self.csrf} if csrf else {}
        resp = await self.http.request(
            method, self.url("/console/api/" + path), json=body, headers=headers
        )
        text = await resp.text()
        return resp.status, json.loads(text) if text.startswith(("{", "[")) else text

    async def go_online(self) -> None:
        self.socket = await self.http.ws_connect(self.url("/console/ws"))
        self._reader = asyncio.create_task(self._read())
        for _ in range(100):  # the first heartbeat marks them online
            status, online = await self.call("GET", "counselors")
            if self.username in online["online"]:
                return
            await asyncio.sleep(0.02)
        raise AssertionError("never online")

    async def _read(self) -> None:
        assert self.socket is not None
        async for message in self.socket:
            await self.live.put(json.loads(message.data))

    async def next_live(self, kind: str, wait: float = 5.0) -> dict[str, Any]:
        async with asyncio.timeout(wait):
            while True:
                update = await self.live.get()
                if update.get("type") == kind:
                    return update

    async def close(self) -> None:
        if self._reader:
            self._reader.cancel()
        if self.socket:
            await self.socket.close()
        await self.http.close()


@pytest.fixture
async def counselors() -> AsyncIterator[list[Counselor]]:
    made: list[Counselor] = []
    yield made
    for counselor in made:
        await counselor.close()


async def add_account(client: TestClient, username: str, role: str = "counselor") -> None:  # type: ignore[type-arg]
    from bot.cases.db import sessions

    engine = client.server.app[DATABASE]
    await Accounts(sessions(engine)).add(username, PASSWORD, role)


async def with_account(
    client: TestClient,  # type: ignore[type-arg]
    made: list[Counselor],
    username: str,
    role: str = "counselor",
) -> Counselor:
    """A counselor with an account, not logged in yet (closed with the `counselors` list)."""
    await add_account(client, username, role)
    counselor = Counselor(client, username)
    made.append(counselor)
    return counselor


async def logged_in(
    client: TestClient,  # type: ignore[type-arg]
    made: list[Counselor],
    username: str,
    role: str = "counselor",
    online: bool = True,
) -> Counselor:
    counselor = await with_account(client, made, username, role)
    resp = await counselor.login()
    assert resp.status == 200, await resp.text()
    if online:
        await counselor.go_online()
    return counselor


async def lan_and_hoa(
    client: TestClient,  # type: ignore[type-arg]
    made: list[Counselor],
) -> tuple[Counselor, Counselor]:
    """The usual pair: lan, a counselor online, and hoa, a supervisor logged in elsewhere."""
    lan = await logged_in(client, made, "lan")
    return lan, await logged_in(client, made, "hoa", role="supervisor", online=False)
