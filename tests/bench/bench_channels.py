"""`make bench`: signed Messenger events through a running bot against the fake Graph API.

Starts `python -m bot serve` (embedded Redis in a temporary folder, the real NLU) and prints
figures; it asserts nothing. Runs:
  1. text messages at concurrency C, end to end, beside raw `POST /model/parse` throughput;
  2. button payloads (quick replies and postbacks: no NLU) at concurrency C;
  3. a paced mixed load at 200 events/s for the webhook acknowledgement latency;
  4. 10 000 live sessions: the bot's resident memory and Redis's.
Every event comes from its own user, so lost and duplicated replies are counted exactly.
"""

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tests.bench.bench_nlu import raw_parse_pipelined
from tests.bench.common import free_port, pct
from tests.bench.eval_nlu import load_eval_set
from tests.fakes.graph import FakeGraph

ROOT = Path(__file__).resolve().parents[2]
SECRET = "bench-app-secret"


@dataclass
class Run:
    name: str
    sent_at: dict[str, float] = field(default_factory=dict)  # user → webhook POST time
    acks: list[float] = field(default_factory=list)
    errors: Counter[int] = field(default_factory=Counter)
    started: float = 0.0


def body_for(user: str, mid: str, kind: str, text: str, payload: str = "GET_STARTED") -> bytes:
    item: dict[str, object] = {
        "sender": {"id": user},
        "recipient": {"id": "PAGE"},
        "timestamp": int(time.time() * 1000),
    }
    if kind == "text":
        item["message"] = {"mid": mid, "text": text}
    elif kind == "quick_reply":
        item["message"] = {
            "mid": mid,
            "text": "Gặp tư vấn viên",
            "quick_reply": {"payload": "COUNSELOR"},
        }
    else:
        item["postback"] = {"mid": mid, "title": "Bắt đầu", "payload": payload}
    page = {"object": "page", "entry": [{"id": "PAGE", "time": 1, "messaging": [item]}]}
    return json.dumps(page, ensure_ascii=False).encode()


def signed(body: bytes) -> dict[str, str]:
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


async def post(session: aiohttp.ClientSession, url: str, run: Run, user: str, body: bytes) -> None:
    started = time.perf_counter()
    run.sent_at[user] = started
    async with session.post(url, data=body, headers=signed(body)) as resp:
        await resp.read()
        run.acks.append(time.perf_counter() - started)
        if resp.status != 200:
            run.errors[resp.status] += 1


async def drive(
    session: aiohttp.ClientSession, url: str, run: Run, events: list[tuple[str, bytes]],
    concurrency: int, rate: float | None = None,
) -> None:  # fmt: skip
    gate = asyncio.Semaphore(concurrency)
    run.started = time.perf_counter()

    async def one(index: int, user: str, body: bytes) -> None:
        if rate:
            await asyncio.sleep(max(0.0, run.started + index / rate - time.perf_counter()))
        async with gate:
            await post(session, url, run, user, body)

    await asyncio.gather(*(one(i, user, body) for i, (user, body) in enumerate(events)))


async def wait_for_replies(graph: FakeGraph, users: set[str], patience: float) -> float:
    deadline = time.perf_counter() + patience
    while time.perf_counter() < deadline:
        answered = {m["recipient"]["id"] for m in graph.messages}
        if users <= answered:
            return time.perf_counter()
        await asyncio.sleep(0.05)
    return time.perf_counter()


def report(run: Run, graph: FakeGraph, finished: float) -> str:
    first: dict[str, float] = {}
    per_user: Counter[tuple[str, str]] = Counter()
    for request in graph.requests:
        if request.kind != "message":
            continue
        user = request.body["recipient"]["id"]
        if user in run.sent_at:
            first.setdefault(user, request.at)
            per_user[(user, request.body["message"]["text"])] += 1
    lost = len(set(run.sent_at) - set(first))
    duplicated = sum(n - 1 for n in per_user.values() if n > 1)
    e2e = [first[u] - run.sent_at[u] for u in first]
    rate = len(run.sent_at) / (finished - run.started)
    figures = [pct(run.acks, 0.5), pct(run.acks, 0.99), pct(e2e, 0.5), pct(e2e, 0.99)]
    line = f"{run.name:<28}{len(run.sent_at):>9}{rate:>9.1f}"
    line += "".join(f"{value:>9.1f}" for value in figures) + f"{lost:>6}{duplicated:>6}"
    return line + (f"  HTTP errors {dict(run.errors)}" if run.errors else "")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for row in Path(f"/proc/{pid}/status").read_text().splitlines():
        if row.startswith("VmRSS:"):
            return int(row.split()[1]) / 1024
    return 0.0


async def raw_parse_rate(session: aiohttp.ClientSession, rasa: str, texts: list[str]) -> float:
    return len(texts) / await raw_parse_pipelined(session, rasa, texts)


async def start_bot(graph: FakeGraph, var: Path, port: int) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "PORT": str(port), "VAR_DIR": str(var), "REDIS_URL": "", "LOG_LEVEL": "WARNING",
        "MESSENGER_APP_SECRET": SECRET, "MESSENGER_VERIFY_TOKEN": "bench",
        "MESSENGER_PAGE_ACCESS_TOKEN": "bench-token", "MESSENGER_API_BASE": graph.url,
        "WEBCHAT_ENABLED": "false", "PYTHONPATH": str(ROOT),
        "MESSENGER_CALLS_PER_SECOND": "10000",  # the fake Graph has no page limit
    }  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL
    )
    async with aiohttp.ClientSession() as session:
        for _ in range(600):
            try:
                async with session.get(f"http://127.0.0.1:{port}/readyz") as resp:
                    if resp.status == 200:
                        return proc
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.5)
    raise RuntimeError("the bot did not become ready")


async def main(count: int, concurrency: int, sessions: int) -> None:
    graph = FakeGraph()
    await graph.start()
    port = free_port()
    url = f"http://127.0.0.1:{port}/webhooks/messenger"
    rasa = os.environ.get("RASA_URL", "http://127.0.0.1:5005")
    rows, _ = load_eval_set()
    texts = [text for text, _ in rows]
    buttons = ("quick_reply", "postback")
    plan = [  # name, kinds, events, concurrency, pace (events/s)
        (f"text, new users, C={concurrency}", ("text",), count, concurrency, None),
        (f"text, known users, C={concurrency}", ("text",), count, concurrency, None, True),
        (f"buttons, C={concurrency}", buttons, count * 3, concurrency, None),
        ("mixed, paced 200/s", ("text", *buttons), count * 2, 64, 200.0),
    ]
    with tempfile.TemporaryDirectory() as var:
        proc = await start_bot(graph, Path(var), port)
        try:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256)) as http:
                raw = await raw_parse_rate(http, rasa, texts[:count])
                lines = []
                for name, kinds, events, width, pace, *warm in plan:
                    spec = Spec(name, kinds, events, width, pace, bool(warm))
                    lines.append(await scenario(http, graph, url, spec, texts, proc.pid))
                before = rss_mib(proc.pid)
                spec = Spec("sessions", buttons, sessions, 64, None)
                await scenario(http, graph, url, spec, texts, proc.pid)
                after = rss_mib(proc.pid)
            print_report(lines, raw, count, sessions, before, after)
        finally:
            proc.terminate()
            await proc.wait()
            await graph.stop()


@dataclass(frozen=True)
class Spec:
    name: str
    kinds: tuple[str, ...]
    events: int
    concurrency: int
    pace: float | None
    warm: bool = False  # the users have talked before (onboarding done): the common case


async def scenario(
    http: aiohttp.ClientSession,
    graph: FakeGraph,
    url: str,
    spec: Spec,
    texts: list[str],
    pid: int,
) -> str:
    tag = f"{spec.name[:4]}{random.randrange(10**9)}"
    if spec.warm:  # onboarding first, not measured
        warmup = Run("warm-up")
        users = [f"{tag}-{i}" for i in range(spec.events)]
        events = [(u, body_for(u, f"w-{u}", "postback", "", "AUDIENCE_PARENT")) for u in users]
        await drive(http, url, warmup, events, spec.concurrency)
        await wait_for_replies(graph, set(users), patience=120)
    graph.requests.clear()
    run = Run(spec.name)
    events = []
    for i in range(spec.events):
        user = f"{tag}-{i}"
        kind = spec.kinds[i % len(spec.kinds)]
        events.append((user, body_for(user, f"m-{user}", kind, texts[i % len(texts)])))
    cpu, mine = cpu_seconds(pid), time.process_time()
    await drive(http, url, run, events, spec.concurrency, spec.pace)
    finished = await wait_for_replies(graph, set(run.sent_at), patience=300)
    bot_ms = (cpu_seconds(pid) - cpu) / spec.events * 1000
    load_ms = (time.process_time() - mine) / spec.events * 1000
    return f"{report(run, graph, finished)}  CPU/event: bot {bot_ms:.1f} ms, load {load_ms:.1f} ms"


def print_report(
    lines: list[str], raw: float, count: int, sessions: int, before: float, after: float
) -> None:
    print(f"Channel benchmark: signed Messenger events, fake Graph API, {os.cpu_count()} cores")
    head = ("run", "events", "ev/s", "ack p50", "ack p99", "e2e p50", "e2e p99", "lost", "dup")
    print(f"{head[0]:<28}" + "".join(f"{h:>9}" for h in head[1:7]) + f"{head[7]:>6}{head[8]:>6}")
    for line in lines:
        print(line)
    print("(ack: webhook POST → 200; e2e: webhook POST → first Send API call; in ms)")
    print(f"raw Rasa /model/parse throughput (4 in flight, {count} texts): {raw:.1f}/s")
    print(
        f"bot resident memory: {before:.0f} MiB, then {after:.0f} MiB after {sessions} more live"
    )
    print("sessions (sessions live in Redis, with a TTL)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--sessions", type=int, default=10_000)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.concurrency, args.sessions))
