"""`make chaos`: faults under sustained load, counted per event.

Starts its own Redis (AOF, appendfsync always), the real Rasa server with the trained model,
`python -m bot serve` (webhooks only) and two `python -m bot worker` processes, against the
fake Graph and Zalo APIs. Signed Messenger and Zalo text events arrive at RATE per second for
DURATION seconds, each from a person of its own (one in ten a crisis text); a webhook that
does not answer 200 is sent again, as the platforms do. Meanwhile, one after another:
  1. SIGKILL one worker process (the other takes over its pending events);
  2. restart Redis (its AOF keeps what was acknowledged);
  3. stop the Rasa server for 30 s (SIGSTOP, then SIGCONT);
  4. the fake Graph API answers every call with a rate-limit error for 30 s.
Then it waits for the replies and prints one row per fault window and the summary line.
An event is lost when it was accepted (200) and its person never got a reply; duplicated
when its person got the same message twice; a crisis is unanswered when its person's first
reply lacks the emergency numbers.
"""

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bot.store.redis import redis_server_binary
from tests.bench.common import free_port, ready
from tests.fakes.graph import FakeGraph
from tests.fakes.zalo import FakeZalo

ROOT = Path(__file__).resolve().parents[2]
APP_SECRET, OA_SECRET, ZALO_APP = "chaos-secret", "chaos-oa-secret", "4242"
TEXTS = ["chào bạn", "làm sao để đặt mật khẩu an toàn", "bạn là người thật hay máy",
         "có người lạ cứ nhắn tin làm quen với em", "cảm ơn bạn nhiều"]  # fmt: skip
CRISIS = "em không muốn sống nữa, tối nay em sẽ uống hết thuốc"


@dataclass
class Event:
    user: str
    channel: str
    text: str
    first_sent: float = 0.0
    accepted: float = 0.0  # when a 200 came back (0: never)
    window: str = "steady"


@dataclass
class Faults:
    windows: dict[str, tuple[float, float]] = field(default_factory=dict)  # name → (start, end)

    def name_at(self, moment: float) -> str:
        for name, (start, end) in self.windows.items():
            if start <= moment <= end:
                return name
        return "steady"


class Stack:
    """Redis, Rasa, the bot's web process and two workers, as child processes."""

    def __init__(self, folder: Path, graph: FakeGraph, zalo: FakeZalo) -> None:
        self.folder = folder
        self.redis_port, self.rasa_port, self.port = free_port(), free_port(), free_port()
        self.env = {
            **os.environ, "VAR_DIR": str(folder / "var"), "PORT": str(self.port),
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0", "DATABASE_URL": "",
            "RASA_URL": f"http://127.0.0.1:{self.rasa_port}", "NLU_AUTOSTART": "false",
            "NLU_TIMEOUT": "2", "LOG_LEVEL": "WARNING", "WEBCHAT_ENABLED": "false",
            "MESSENGER_APP_SECRET": APP_SECRET, "MESSENGER_VERIFY_TOKEN": "v",
            "MESSENGER_PAGE_ACCESS_TOKEN": "page-token", "MESSENGER_API_BASE": graph.url,
            "ZALO_APP_ID": ZALO_APP, "ZALO_APP_SECRET": zalo.app_secret,
            "ZALO_OA_SECRET_KEY": OA_SECRET, "ZALO_ACCESS_TOKEN": "AT-0",
            "ZALO_REFRESH_TOKEN": "RT-0", "ZALO_API_BASE": zalo.url, "ZALO_OAUTH_BASE": zalo.url,
            "WORKER_TASKS": "0", "PYTHONPATH": str(ROOT),
        }  # fmt: skip
        self.redis: subprocess.Popen[bytes] | None = None
        self.rasa: subprocess.Popen[bytes] | None = None
        self.web: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []

    def start_redis(self) -> None:
        self.redis = subprocess.Popen(  # noqa: S603
            [str(redis_server_binary()), "--port", str(self.redis_port), "--bind", "127.0.0.1",
             "--dir", str(self.folder), "--appendonly", "yes", "--appendfsync", "always",
             "--save", "", "--logfile", str(self.folder / "redis.log")],
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip

    def start_all(self) -> None:
        self.start_redis()
        nlu = ROOT / "nlu"
        self.rasa = subprocess.Popen(  # noqa: S603
            [str(nlu / ".venv" / "bin" / "python"), "-m", "rasa", "run", "--enable-api",
             "--model", str(nlu / "models" / "current.tar.gz"), "--interface", "127.0.0.1",
             "--port", str(self.rasa_port)],
            env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"}, cwd=self.folder,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        self.web = self._bot("serve")
        self.workers = [self._bot("worker"), self._bot("worker")]

    def _bot(self, command: str) -> subprocess.Popen[bytes]:
        log = open(self.folder / f"{command}-{len(self.workers)}.log", "ab")  # noqa: SIM115
        return subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "bot", command], env={**self.env, "WORKER_TASKS": "2"}
            if command == "worker" else self.env, cwd=ROOT, stdout=log, stderr=log,
        )  # fmt: skip

    def stop(self) -> None:
        for process in [self.web, *self.workers, self.rasa, self.redis]:
            if process is not None and process.poll() is None:
                with_signal(process, signal.SIGCONT)
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


def with_signal(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, sig)


def messenger_body(event: Event, mid: str) -> tuple[bytes, dict[str, str]]:
    item = {
        "sender": {"id": event.user}, "recipient": {"id": "PAGE"},
        "timestamp": int(time.time() * 1000), "message": {"mid": mid, "text": event.text},
    }  # fmt: skip
    entry = {"id": "PAGE", "time": 1, "messaging": [item]}
    body = json.dumps({"object": "page", "entry": [entry]}, ensure_ascii=False).encode()
    digest = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


def zalo_body(event: Event, mid: str) -> tuple[bytes, dict[str, str]]:
    stamp = str(int(time.time() * 1000))
    data = {
        "app_id": ZALO_APP, "event_name": "user_send_text", "timestamp": stamp,
        "sender": {"id": event.user}, "recipient": {"id": "OA"},
        "message": {"msg_id": mid, "text": event.text},
    }  # fmt: skip
    body = json.dumps(data, ensure_ascii=False).encode()
    mac = hashlib.sha256(
        ZALO_APP.encode() + body + stamp.encode() + OA_SECRET.encode()
    ).hexdigest()
    return body, {"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"}


async def deliver(http: aiohttp.ClientSession, base: str, event: Event, faults: Faults) -> None:
    """Posts the event until it is accepted, as Meta and Zalo retry (here: every 2 s)."""
    mid = f"{event.user}-m"
    body, headers = (messenger_body if event.channel == "messenger" else zalo_body)(event, mid)
    path = "/webhooks/messenger" if event.channel == "messenger" else "/webhooks/zalo"
    event.first_sent = time.monotonic()
    event.window = faults.name_at(event.first_sent)
    deadline = event.first_sent + 600
    while time.monotonic() < deadline:
        try:
            async with http.post(base + path, data=body, headers=headers) as resp:
                if resp.status == 200:
                    event.accepted = time.monotonic()
                    return
        except (aiohttp.ClientError, TimeoutError):
            pass
        await asyncio.sleep(2)


async def inject(
    stack: Stack, graph: FakeGraph, faults: Faults, started: float, gap: float
) -> None:
    """One fault every `gap` seconds; each window is named before the fault begins."""

    async def at(offset: float, name: str, span: float) -> float:
        await asyncio.sleep(max(0.0, started + offset - time.monotonic()))
        begin = time.monotonic()
        faults.windows[name] = (begin, begin + span)
        return begin

    await at(gap, "SIGKILL worker", 30)
    with_signal(stack.workers[0], signal.SIGKILL)  # its pending events wait for XAUTOCLAIM
    await at(2 * gap, "restart Redis", 10)
    assert stack.redis is not None
    stack.redis.terminate()
    stack.redis.wait(timeout=20)
    await asyncio.sleep(3)
    stack.start_redis()
    await at(3 * gap, "Rasa stopped 30 s", 30)
    assert stack.rasa is not None
    with_signal(stack.rasa, signal.SIGSTOP)
    await asyncio.sleep(30)
    with_signal(stack.rasa, signal.SIGCONT)
    begin = await at(4 * gap, "Graph rate-limited 30 s", 30)
    graph.limited_until = begin + 30


def replies_by_user(graph: FakeGraph, zalo: FakeZalo) -> dict[str, list[tuple[float, str]]]:
    """Each person's replies: (when it arrived, its text), in arrival order."""
    out: dict[str, list[tuple[float, str]]] = {}
    for at, body in graph.delivered:
        out.setdefault(body["recipient"]["id"], []).append((at, body["message"].get("text", "")))
    for at, body in zalo.delivered:
        user = body["recipient"]["user_id"]
        out.setdefault(user, []).append((at, body["message"].get("text", "")))
    return out


async def main(rate: float, duration: float) -> int:
    folder = Path(tempfile.mkdtemp(prefix="chaos-"))
    graph, zalo = FakeGraph(), FakeZalo(app_id=ZALO_APP)
    await graph.start()
    await zalo.start()
    stack = Stack(folder, graph, zalo)
    stack.start_all()
    base = f"http://127.0.0.1:{stack.port}"
    events: list[Event] = []
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            await ready(http, base + "/healthz", 60)
            await ready(http, f"http://127.0.0.1:{stack.rasa_port}/", 300)
            print(f"chaos: {rate:.0f} events/s for {duration:.0f} s; stack ready", flush=True)
            faults = Faults()
            started = time.monotonic()
            injector = asyncio.create_task(inject(stack, graph, faults, started, duration / 5))
            posts = []
            for index in range(int(rate * duration)):
                await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
                channel = "messenger" if index % 2 else "zalo"
                text = CRISIS if index % 10 == 3 else TEXTS[index % len(TEXTS)]
                event = Event(f"chaos{index}", channel, text)
                events.append(event)
                posts.append(asyncio.create_task(deliver(http, base, event, faults)))
            await injector
            await asyncio.gather(*posts)
            await wait_for_replies(graph, zalo, events, patience=180)
    finally:
        stack.stop()
        await graph.stop()
        await zalo.stop()
    return report(events, replies_by_user(graph, zalo), faults)


async def wait_for_replies(
    graph: FakeGraph, zalo: FakeZalo, events: list[Event], patience: float
) -> None:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        answered = replies_by_user(graph, zalo)
        if all(e.user in answered for e in events if e.accepted):
            await asyncio.sleep(5)  # late duplicates would show now
            return
        await asyncio.sleep(0.5)


def report(events: list[Event], got: dict[str, list[tuple[float, str]]], faults: Faults) -> int:
    replies = {user: [text for _, text in items] for user, items in got.items()}
    arrival = {user: items[0][0] for user, items in got.items()}
    rows = ["steady", *faults.windows]
    print(f"{'window':<26}{'accepted':>9}{'answered':>9}{'lost':>6}{'dup':>5}"
          f"{'crisis ok':>10}{'longest delay':>15}")  # fmt: skip
    totals = {"accepted": 0, "answered": 0, "lost": 0, "dup": 0, "crisis_missed": 0}
    for row in rows:
        mine = [e for e in events if e.window == row]
        accepted = [e for e in mine if e.accepted]
        answered = [e for e in accepted if replies.get(e.user)]
        dup = [
            e
            for e in accepted
            if len(set(replies.get(e.user, []))) != len(replies.get(e.user, []))
        ]
        crisis = [e for e in accepted if e.text == CRISIS]
        crisis_ok = [e for e in crisis if replies.get(e.user) and "113" in replies[e.user][0]]
        delays = [arrival[e.user] - e.first_sent for e in answered if e.user in arrival]
        longest = f"{max(delays):.1f} s" if delays else "-"
        print(f"{row:<26}{len(accepted):>9}{len(answered):>9}{len(accepted) - len(answered):>6}"
              f"{len(dup):>5}{f'{len(crisis_ok)}/{len(crisis)}':>10}{longest:>15}")  # fmt: skip
        totals["accepted"] += len(accepted)
        totals["answered"] += len(answered)
        totals["lost"] += len(accepted) - len(answered)
        totals["dup"] += len(dup)
        totals["crisis_missed"] += len(crisis) - len(crisis_ok)
    never = sum(1 for e in events if not e.accepted)
    print(f"not accepted after 10 minutes of retries: {never}; crisis texts without the "
          f"emergency reply: {totals['crisis_missed']}")  # fmt: skip
    print(f"chaos: {len(faults.windows)} faults, accepted {totals['accepted']}, answered "
          f"{totals['answered']}, lost {totals['lost']}, duplicated {totals['dup']}")  # fmt: skip
    return 0 if totals["lost"] == totals["dup"] == totals["crisis_missed"] == 0 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--duration", type=float, default=150)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.rate, args.duration)))
