"""`make bench-alerts`: how long from a child's crisis message to the alert on a counselor's
desk, through everything in between.

Starts `python -m bot serve` (embedded Redis and SQLite in a temporary folder, the real NLU
model, Messenger on with the fake Graph API), logs a counselor in with the live websocket
open, then sends CHILDREN new children, one after another, each a signed Messenger webhook
with a crisis message. For each child it measures, from the webhook POST:
  - alert: until the `{"type": "alert"}` event reaches the counselor's websocket (the
    server's own alert);
  - queue: until the `{"type": "queue", "new": true}` event arrives and one GET /api/queue
    has given its priority (the desk's fallback when the server sends no alert).
Prints p50/p99/max; it asserts nothing.
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

from tests.bench.bench_channels import SECRET, body_for, signed
from tests.bench.common import free_port, pct
from tests.fakes.graph import FakeGraph

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "bench-password-alerts-1"
CRISES = (
    "em không muốn sống nữa, em muốn chết",
    "em đang đứng trên sân thượng, em muốn nhảy xuống",
    "em muốn tự tử, không ai cần em cả",
    "chết đi còn hơn sống thế này",
)


class Desk:
    """A counselor's desk: logged in, the websocket open, each update's arrival time kept."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.updates: asyncio.Queue[tuple[float, dict[str, object]]] = asyncio.Queue()

    async def start(self) -> None:
        login = {"username": "tvv", "password": PASSWORD}
        async with self.http.post(f"{self.base}/console/api/login", json=login) as resp:
            assert resp.status == 200, await resp.text()
        self.socket = await self.http.ws_connect(f"{self.base}/console/ws")
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.socket:
            await self.updates.put((time.perf_counter(), json.loads(message.data)))

    async def priority(self, handoff_id: object) -> str:
        async with self.http.get(f"{self.base}/console/api/queue") as resp:
            items = (await resp.json())["items"]
        return next((str(i["priority"]) for i in items if i["id"] == handoff_id), "")

    async def close(self) -> None:
        self.reader.cancel()
        await self.socket.close()
        await self.http.close()


def environment(var: Path, port: int, graph: FakeGraph) -> dict[str, str]:
    """The bot's settings; RASA_URL (and RASA_TOKEN) set: that NLU server, else one started."""
    given = os.environ.get("RASA_URL", "")
    nlu = (
        {"RASA_URL": given, "NLU_AUTOSTART": "false"}
        if given
        else {"RASA_URL": f"http://127.0.0.1:{free_port()}", "NLU_AUTOSTART": "true"}
    )
    return {
        **os.environ, **nlu, "PORT": str(port), "VAR_DIR": str(var), "REDIS_URL": "",
        "DATABASE_URL": "", "LOG_LEVEL": "WARNING",
        "MESSENGER_APP_SECRET": SECRET, "MESSENGER_VERIFY_TOKEN": "bench",
        "MESSENGER_PAGE_ACCESS_TOKEN": "bench-token", "MESSENGER_API_BASE": graph.url,
        "MESSENGER_CALLS_PER_SECOND": "10000", "WEBCHAT_ENABLED": "false",
        "PYTHONPATH": str(ROOT),
    }  # fmt: skip


async def start_bot(env: dict[str, str], port: int) -> asyncio.subprocess.Process:
    add = [sys.executable, "-m", "bot", "users", "add", "--role", "counselor", "--username", "tvv"]
    await asyncio.to_thread(
        subprocess.run, add, input=PASSWORD + "\n", text=True, env=env, cwd=ROOT, check=True,
        capture_output=True,
    )  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL
    )
    async with aiohttp.ClientSession() as session:
        for _ in range(1200):  # the NLU model loads first
            try:
                async with session.get(f"http://127.0.0.1:{port}/readyz") as resp:
                    if resp.status == 200:
                        return proc
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.5)
    raise RuntimeError("the bot did not become ready")


async def one_child(
    http: aiohttp.ClientSession, url: str, desk: Desk, index: int, patience: float
) -> tuple[float | None, float | None]:
    """Seconds until the server's alert for this child, and until the desk's fallback knew
    its priority (its queue id comes with the queue event, which is published first)."""
    body = body_for(f"bench-child-{index}", f"mid-{index}", "text", CRISES[index % len(CRISES)])
    started = time.perf_counter()
    async with http.post(url, data=body, headers=signed(body)) as resp:
        assert resp.status == 200, resp.status
    child: object = None
    alert = queued = None
    deadline = started + patience
    while (alert is None or queued is None) and time.perf_counter() < deadline:
        try:
            at, update = await asyncio.wait_for(desk.updates.get(), deadline - time.perf_counter())
        except TimeoutError:
            break
        if update.get("type") == "queue" and update.get("new") and child is None:
            child = update.get("id")
            if await desk.priority(child) in ("imminent", "high"):
                queued = time.perf_counter() - started
        elif update.get("type") == "alert" and child is not None and update.get("id") == child:
            alert = alert if alert is not None else at - started
    return alert, queued


async def main(children: int, patience: float) -> None:
    graph = FakeGraph()
    await graph.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as var:
        proc = await start_bot(environment(Path(var), port, graph), port)
        desk = Desk(base)
        try:
            await desk.start()
            async with aiohttp.ClientSession() as http:
                for warm in range(2):  # the first turns load what is loaded lazily
                    await one_child(http, f"{base}/webhooks/messenger", desk, 10_000 + warm, 10)
                while not desk.updates.empty():
                    desk.updates.get_nowait()
                alerts: list[float] = []
                queued: list[float] = []
                for index in range(children):
                    alert, queue = await one_child(
                        http, f"{base}/webhooks/messenger", desk, index, patience
                    )
                    alerts += [alert] if alert is not None else []
                    queued += [queue] if queue is not None else []
            report(children, alerts, queued)
        finally:
            await desk.close()
            proc.terminate()
            await proc.wait()
            await graph.stop()


def report(children: int, alerts: list[float], queued: list[float]) -> None:
    print(f"Alert latency, signed Messenger webhook → counselor's websocket ({children} children)")
    for name, values in (("server alert event", alerts), ("queue event + /api/queue", queued)):
        if not values:
            print(f"  {name:26} none arrived")
            continue
        print(
            f"  {name:26} {len(values):3}/{children} arrived   p50 {pct(values, 0.5):7.1f} ms"
            f"   p99 {pct(values, 0.99):7.1f} ms   max {max(values) * 1000:7.1f} ms"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=50)
    parser.add_argument("--patience", type=float, default=10.0, help="seconds per child")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.children, arguments.patience))
