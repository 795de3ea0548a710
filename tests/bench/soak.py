"""`make soak`: 10 000 random events through `python -m bot serve`, resident memory before
and after.

Signed Messenger bodies with random kinds (text, quick reply, postback, image, unknown
fields, malformed entries) and random texts (Vietnamese words, emoji, teencode, junk) from a
few hundred people, against the fake Graph API, with the NLU off (the safety screen decides
alone: the bot's own memory is what is measured). Prints the bot's RSS after a warm-up of
1 000 events and after all of them, the answers by HTTP status, and whether the process is
still alive; it asserts nothing.
"""

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp

from tests.bench.common import free_port, ready
from tests.fakes.graph import FakeGraph

ROOT = Path(__file__).resolve().parents[2]
SECRET = "soak-secret"
WORDS = [
    "em", "bị", "lừa", "chửi", "trên", "zalo", "fb", "ko", "dc", "😭", "🙏", "cứu", "111",
    "mật khẩu", "ảnh", "bạn", "ơi", "tks", "j", "vs", "<b>", "\u0000", "ẹ̷̢", "🦄" * 5,
]  # fmt: skip


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def random_item(rng: random.Random, index: int) -> object:
    user = f"soak{rng.randrange(300)}"
    base: dict[str, object] = {"sender": {"id": user}, "recipient": {"id": "PAGE"},
                               "timestamp": int(time.time() * 1000)}  # fmt: skip
    kind = rng.randrange(7)
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 30)))
    if kind <= 2:
        base["message"] = {"mid": f"s{index}", "text": text}
    elif kind == 3:
        payload = rng.choice(["COUNSELOR", "ADVICE", "??"])
        base["message"] = {"mid": f"s{index}", "text": "x", "quick_reply": {"payload": payload}}
    elif kind == 4:
        base["postback"] = {"mid": f"s{index}", "payload": rng.choice(["GET_STARTED", "MENU", ""])}
    elif kind == 5:
        base["message"] = {"mid": f"s{index}", "attachments": [{"type": "image"}]}
    else:
        return rng.choice([None, 1, "x", {"sender": None}, {"weird": [1, 2]}])
    return base


def start(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bot", "serve"], env=env, cwd=ROOT)  # noqa: S603


async def main(count: int) -> None:
    graph = FakeGraph()
    await graph.start()
    folder = Path(tempfile.mkdtemp(prefix="soak-"))
    port = free_port()
    env = {**os.environ, "VAR_DIR": str(folder), "PORT": str(port), "NLU_AUTOSTART": "false",
           "RASA_URL": f"http://127.0.0.1:{free_port()}", "LOG_LEVEL": "WARNING",
           "REDIS_URL": "", "DATABASE_URL": "", "WEBCHAT_ENABLED": "false",
           "MESSENGER_APP_SECRET": SECRET, "MESSENGER_VERIFY_TOKEN": "v",
           "MESSENGER_PAGE_ACCESS_TOKEN": "t", "MESSENGER_API_BASE": graph.url}  # fmt: skip
    bot = start(env)
    rng = random.Random(111)
    statuses: Counter[int] = Counter()
    try:
        async with aiohttp.ClientSession() as http:
            await ready(http, f"http://127.0.0.1:{port}/healthz", 60)
            gate = asyncio.Semaphore(16)

            async def one(index: int) -> None:
                body = json.dumps({"object": "page", "entry": [
                    {"id": "PAGE", "time": 1, "messaging": [random_item(rng, index)]}]},
                    ensure_ascii=False).encode("utf-8", "surrogatepass")  # fmt: skip
                digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                headers = {"X-Hub-Signature-256": f"sha256={digest}"}
                url = f"http://127.0.0.1:{port}/webhooks/messenger"
                async with gate, http.post(url, data=body, headers=headers) as resp:
                    statuses[resp.status] += 1

            warm = min(1000, count)
            await asyncio.gather(*(one(i) for i in range(warm)))
            await asyncio.sleep(5)
            before = rss_kib(bot.pid)
            await asyncio.gather(*(one(i) for i in range(warm, count)))
            await asyncio.sleep(10)
            after = rss_kib(bot.pid)
            async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                alive = resp.status == 200 and bot.poll() is None
    finally:
        bot.terminate()
        bot.wait(timeout=30)
        await graph.stop()
    print(f"soak: {count} random events; answers {dict(sorted(statuses.items()))}; "
          f"{len(graph.delivered)} replies sent")  # fmt: skip
    growth = (after - before) / 1024
    print(f"  bot RSS after {warm} events: {before / 1024:.1f} MiB; after {count}: "
          f"{after / 1024:.1f} MiB ({growth:+.1f} MiB); alive: {alive}")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    asyncio.run(main(parser.parse_args().events))
