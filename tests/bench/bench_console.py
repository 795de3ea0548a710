"""`make bench-console`: 20 children on the web chat and 5 counselors on the console API.

Starts `python -m bot serve` (embedded Redis and SQLite in a temporary folder; the NLU is not
needed: children tap "Gặp tư vấn viên", and a conversation held by a counselor is relayed
without the model) and prints figures; it asserts nothing.
  1. every child joins the queue; each counselor, live on the websocket, takes the most urgent
     until the queue is empty;
  2. ROUNDS rounds: every counselor writes to each of their children (counselor → child:
     from the POST until the text is in the child's web chat), and every child answers
     (child → console: from the child's POST until the counselor's websocket shows it);
  3. queue operations per second (join + claim) on the same Redis, straight through.
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import redis.asyncio as redis

from bot.handoff.queue import HandoffQueue
from tests.bench.common import free_port, pct, ready

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "bench-password-1"


class Counselor:
    def __init__(self, base: str, name: str) -> None:
        self.base, self.name = base, name
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""
        self.seen: dict[str, float] = {}  # text → when the websocket showed it
        self.held: list[str] = []

    async def start(self) -> None:
        async with self.http.post(
            f"{self.base}/console/api/login", json={"username": self.name, "password": PASSWORD}
        ) as resp:
            self.csrf = (await resp.json())["csrf_token"]
        self.socket = await self.http.ws_connect(f"{self.base}/console/ws")
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.socket:
            update = json.loads(message.data)
            if update.get("type") == "message" and update.get("from") == "child":
                self.seen[update["text"]] = time.perf_counter()

    async def call(self, method: str, path: str, body: object = None) -> tuple[int, dict]:  # type: ignore[type-arg]
        async with self.http.request(
            method, f"{self.base}/console/api/{path}", json=body,
            headers={"X-CSRF-Token": self.csrf},
        ) as resp:  # fmt: skip
            return resp.status, await resp.json()

    async def close(self) -> None:
        self.reader.cancel()
        await self.socket.close()
        await self.http.close()


def start_bot(var: Path, port: int, counselors: int) -> subprocess.Popen[bytes]:
    """Accounts first (`users add`, password on stdin), then `python -m bot serve`."""
    env = {**os.environ, "VAR_DIR": str(var), "PORT": str(port), "NLU_AUTOSTART": "false",
           "RASA_URL": f"http://127.0.0.1:{free_port()}", "LOG_LEVEL": "WARNING",
           "REDIS_URL": "", "DATABASE_URL": "", "WEBCHAT_ENABLED": "true",
           "WEBCHAT_CHATS_PER_HOUR": "1000", "WEBCHAT_MESSAGES_PER_MINUTE": "100000",
           "WEBCHAT_MAX_WAITING": "1000"}  # fmt: skip
    for index in range(counselors):
        command = [sys.executable, "-m", "bot", "users", "add", "--role", "counselor",
                   "--username", f"tvv{index}"]  # fmt: skip
        subprocess.run(  # noqa: S603
            command, input=PASSWORD + "\n", text=True, env=env, cwd=ROOT, check=True,
            capture_output=True,
        )  # fmt: skip
    return subprocess.Popen([sys.executable, "-m", "bot", "serve"], env=env, cwd=ROOT)  # noqa: S603


async def open_chat(base: str, http: aiohttp.ClientSession) -> str:
    async with http.post(f"{base}/chat/api/chats") as resp:
        assert resp.status == 201
        chat_id: str = (await resp.json())["chat_id"]
        return chat_id


async def join_and_claim(
    base: str, http: aiohttp.ClientSession, desk: list[Counselor], chats: list[str]
) -> tuple[int, float]:
    for chat in chats:
        body = {"chat_id": chat, "payload": "COUNSELOR"}
        async with http.post(f"{base}/chat/api/messages", json=body) as resp:
            assert resp.status == 202
    for _ in range(400):
        _, queue = await desk[0].call("GET", "queue")
        if len(queue["items"]) == len(chats):
            break
        await asyncio.sleep(0.05)
    started, turn = time.perf_counter(), 0
    while True:
        counselor = desk[turn % len(desk)]
        status, taken = await counselor.call("POST", "conversations/next/claim")
        if status != 200:
            return turn, time.perf_counter() - started
        counselor.held.append(taken["id"])
        turn += 1


async def one_round(
    base: str, http: aiohttp.ClientSession, desk: list[Counselor], chats: list[str], round_: int,
    to_child: list[float], to_console: list[float],
) -> None:  # fmt: skip
    for counselor in desk:
        for conv in counselor.held:
            started = time.perf_counter()
            body = {"text": f"chào em {conv}, lượt {round_}"}
            await counselor.call("POST", f"conversations/{conv}/messages", body)
            to_child.append(time.perf_counter() - started)
    for index, chat in enumerate(chats):
        text = f"em {index} trả lời lượt {round_}"
        started = time.perf_counter()
        async with http.post(f"{base}/chat/api/messages", json={"chat_id": chat, "text": text}):
            pass
        while time.perf_counter() < started + 10:
            seen = [c.seen[text] for c in desk if text in c.seen]
            if seen:
                to_console.append(seen[0] - started)
                break
            await asyncio.sleep(0.001)


async def main(base: str, children: int, counselors: int, rounds: int) -> None:
    async with aiohttp.ClientSession() as http:
        await ready(http, f"{base}/healthz", 60)
    desk = [Counselor(base, f"tvv{i}") for i in range(counselors)]
    for counselor in desk:
        await counselor.start()
    async with aiohttp.ClientSession() as http:
        chats = [await open_chat(base, http) for _ in range(children)]
        taken, claiming = await join_and_claim(base, http, desk, chats)
        to_child: list[float] = []
        to_console: list[float] = []
        for round_ in range(rounds):
            await one_round(base, http, desk, chats, round_, to_child, to_console)
    for counselor in desk:
        await counselor.close()
    lost = rounds * children - len(to_console)
    print(f"console relay, {children} children, {counselors} counselors, {rounds} rounds")
    print(f"  claims: {taken} conversations taken in {claiming * 1000:.0f} ms")
    print(f"  counselor → child send: p50 {pct(to_child, .5):.1f} ms, "
          f"p99 {pct(to_child, .99):.1f} ms ({len(to_child)} messages)")  # fmt: skip
    seen = f"{len(to_console)} seen, {lost} not seen"
    print(f"  child → console:        p50 {pct(to_console, .5):.1f} ms, "
          f"p99 {pct(to_console, .99):.1f} ms ({seen})")  # fmt: skip


async def queue_ops(var: Path, count: int = 5000) -> None:
    from bot.store.redis import EmbeddedRedis

    server = EmbeddedRedis(var / "queue-bench")
    await server.start()
    client = redis.Redis.from_url(server.url)
    queue = HandoffQueue(client)
    try:
        started = time.perf_counter()
        for i in range(count):
            await queue.join("webchat", f"user{i}", ("normal", "high", "imminent")[i % 3],
                             int(time.time() * 1000), {"category": "report_scam"})  # fmt: skip
        joined = time.perf_counter() - started
        started = time.perf_counter()
        while await queue.claim("tvv", int(time.time() * 1000)):
            pass
        claimed = time.perf_counter() - started
        print(f"queue operations: join {count / joined:.0f}/s, claim (most urgent) "
              f"{count / claimed:.0f}/s, one client, sequential")  # fmt: skip
    finally:
        await client.aclose()
        await server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=20)
    parser.add_argument("--counselors", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-console-"))
    port = free_port()
    bot = start_bot(folder, port, args.counselors)
    try:
        asyncio.run(main(f"http://127.0.0.1:{port}", args.children, args.counselors, args.rounds))
    finally:
        bot.terminate()
        bot.wait(timeout=30)
    asyncio.run(queue_ops(folder))
