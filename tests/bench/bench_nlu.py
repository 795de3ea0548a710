"""`make bench-nlu`: `route` against raw `POST /model/parse`, in the same run. Figures only."""

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

import aiohttp

from bot.settings import ROOT, Settings
from bot.understanding.local import local_assessor
from tests.bench.common import command_settings
from tests.bench.eval_nlu import load_eval_set

MESSAGES = 400


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def texts(count: int) -> list[str]:
    rows, _ = load_eval_set()
    return [rows[i % len(rows)][0] for i in range(count)]


async def raw_parse(
    session: aiohttp.ClientSession, url: str, batch: list[str], token: str = ""
) -> list[float]:
    latencies = []
    for text in batch:
        started = time.perf_counter()
        async with session.post(
            f"{url}/model/parse", json={"text": text}, params={"token": token}
        ) as resp:
            await resp.read()
        latencies.append(time.perf_counter() - started)
    return latencies


async def raw_parse_pipelined(
    session: aiohttp.ClientSession, url: str, batch: list[str], token: str = ""
) -> float:
    gate = asyncio.Semaphore(4)

    async def one(text: str) -> None:
        async with (
            gate,
            session.post(
                f"{url}/model/parse", json={"text": text}, params={"token": token}
            ) as resp,
        ):
            await resp.read()

    started = time.perf_counter()
    await asyncio.gather(*(one(text) for text in batch))
    return time.perf_counter() - started


async def start_route(
    settings: Settings,
) -> tuple[asyncio.subprocess.Process, asyncio.StreamWriter, asyncio.StreamReader]:
    env = {**os.environ, "RASA_URL": settings.rasa_url, "NLU_AUTOSTART": "false"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "route",
        cwd=ROOT, env=env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    if proc.stdin is None or proc.stdout is None:
        raise RuntimeError("route started without pipes")
    return proc, proc.stdin, proc.stdout


def line(text: str) -> bytes:
    return json.dumps({"text": text}, ensure_ascii=False).encode() + b"\n"


async def paired(
    settings: Settings, session: aiohttp.ClientSession, batch: list[str]
) -> tuple[list[float], list[float]]:
    """Each text through raw parse, then through route: paired, so drift affects both alike."""
    proc, stdin, stdout = await start_route(settings)
    raw: list[float] = []
    routed: list[float] = []
    for text in batch:
        raw += await raw_parse(session, settings.rasa_url, [text], settings.rasa_token.reveal())
        started = time.perf_counter()
        stdin.write(line(text))
        await stdin.drain()
        await stdout.readline()
        routed.append(time.perf_counter() - started)
    stdin.close()
    await proc.wait()
    return raw, routed


async def route_streamed(settings: Settings, batch: list[str]) -> float:
    proc, stdin, stdout = await start_route(settings)
    started = time.perf_counter()
    writer = asyncio.create_task(_feed(stdin, batch))
    answered = 0
    while answered < len(batch) and await stdout.readline():
        answered += 1
    elapsed = time.perf_counter() - started
    await writer
    await proc.wait()
    return elapsed


async def _feed(stdin: asyncio.StreamWriter, batch: list[str]) -> None:
    for text in batch:
        stdin.write(line(text))
        await stdin.drain()
    stdin.close()


def rss_mib(pid: int | None) -> str:
    if pid is None:
        pid = _find_rasa_pid()
    if pid is None:
        return "unknown (server not found)"
    for row in Path(f"/proc/{pid}/status").read_text().splitlines():
        if row.startswith("VmRSS:"):
            return f"{int(row.split()[1]) / 1024:.0f} MiB"
    return "unknown"


def _find_rasa_pid() -> int | None:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"rasa" in cmd and b"run" in cmd:
                return int(entry.name)
    return None


async def run_bench(
    settings: Settings, session: aiohttp.ClientSession, pid: int | None, trained: str
) -> str:
    batch = texts(MESSAGES)
    await raw_parse(
        session, settings.rasa_url, batch[:20], settings.rasa_token.reveal()
    )  # warm up
    raw, routed = await paired(settings, session, batch)
    raw_streamed = await raw_parse_pipelined(
        session, settings.rasa_url, batch, settings.rasa_token.reveal()
    )
    routed_streamed = await route_streamed(settings, batch)
    overhead = statistics.median(r - p for r, p in zip(routed, raw, strict=True)) * 1000
    rows = [
        f"NLU benchmark: {MESSAGES} messages from nlu/tests/eval.tsv, {os.cpu_count()} cores",
        f"{'':<34}{'p50 ms':>8}{'p99 ms':>8}{'msg/s':>8}",
        _row("raw POST /model/parse, one by one", raw, len(batch) / sum(raw)),
        _row("route, one line at a time", routed, len(batch) / sum(routed)),
        _rate_row("raw POST /model/parse, 4 in flight", len(batch) / raw_streamed),
        _rate_row("route, streamed (4 in flight)", len(batch) / routed_streamed),
        f"route overhead over raw parse, median of pairs: {overhead:.2f} ms (target ≤ 2 ms)",
        f"model training time: {trained} (target < 600 s)",
        f"Rasa server resident memory: {await asyncio.to_thread(rss_mib, pid)}",
    ]
    return "\n".join(rows)


def _row(name: str, latencies: list[float], rate: float) -> str:
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    return f"{name:<34}{p50:>8.2f}{p99:>8.2f}{rate:>8.1f}"


def _rate_row(name: str, rate: float) -> str:
    return f"{name:<34}{'':>8}{'':>8}{rate:>8.1f}"


async def _main(trained: str) -> int:
    settings = command_settings()
    async with local_assessor(settings) as (session, _, server):
        print(await run_bench(settings, session, server.pid, trained))
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="make bench-nlu")
    parser.add_argument("--train-seconds-file", type=Path)
    seconds = parser.parse_args().train_seconds_file
    trained = f"{seconds.read_text().strip()} s" if seconds and seconds.exists() else "unknown"
    sys.exit(asyncio.run(_main(trained)))
