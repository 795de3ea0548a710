"""`make eval-seeds`: the safety targets on models trained with other seeds. Figures only.

A target that holds for one training run is luck. This trains the model again with three
different seeds (each in a temporary folder with its own Rasa cache, two at a time on two
cores), serves each on a free loopback port, and prints for each the four figures of
`make eval-nlu` and, when a corpus of real text is there, the share of it sent to
`urgent_handoff`, `check_in` and `report`. Exit status 1 when any seed misses a target.
"""

import argparse
import asyncio
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import aiohttp

from bot.settings import ROOT, Settings
from bot.understanding.assess import Assessor, load_screen
from bot.understanding.classifier import RasaIntentClassifier
from bot.understanding.server import LocalNluServer
from bot.understanding.taxonomy import Action
from bot.understanding.token import with_nlu_token
from tests.bench.common import command_settings, free_port
from tests.bench.eval_nlu import TARGETS, EvalResult, evaluate, load_eval_set
from tests.bench.eval_real import DEFAULT_CORPUS, read_corpus, route_all

SEEDS = (11, 2718, 31337)
REAL_SHARES = (Action.URGENT_HANDOFF, Action.CHECK_IN, Action.REPORT)


def train_env() -> dict[str, str]:
    lines = (ROOT / "nlu" / "train.env").read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


async def train(seed: int, folder: Path) -> tuple[Path, float]:
    config = (ROOT / "nlu" / "config.yml").read_text(encoding="utf-8")
    seeded, count = re.subn(r"random_seed: \d+", f"random_seed: {seed}", config)
    if count != 1:
        raise SystemExit("nlu/config.yml must set random_seed exactly once")
    (folder / "config.yml").write_text(seeded, encoding="utf-8")
    env = {
        **os.environ,
        **train_env(),
        "PYTHONPATH": str(ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_CACHE_DIRECTORY": str(folder / "cache"),
    }
    started = time.monotonic()
    with open(folder / "train.log", "wb") as log:  # noqa: ASYNC230 (a local file, opened once)
        proc = await asyncio.create_subprocess_exec(
            str(ROOT / "nlu" / ".venv" / "bin" / "python"), "-m", "rasa", "train", "nlu",
            "--config", str(folder / "config.yml"), "--nlu", str(ROOT / "nlu" / "data"),
            "--out", str(folder), "--fixed-model-name", "model",
            cwd=ROOT, env=env, stdout=log, stderr=log,
        )  # fmt: skip
        if await proc.wait() != 0:
            raise SystemExit(f"training with seed {seed} failed; see {folder / 'train.log'}")
    return folder / "model.tar.gz", time.monotonic() - started


async def measure(
    base: Settings, model: Path, corpus: list[str]
) -> tuple[EvalResult, Counter[Action]]:
    url = f"http://127.0.0.1:{free_port()}"
    settings = with_nlu_token(replace(base, nlu_model=model, rasa_url=url))
    server = LocalNluServer(settings)
    await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            classifier = RasaIntentClassifier(
                session, url, settings.nlu_timeout, token=settings.rasa_token.reveal()
            )
            assessor = Assessor(classifier, load_screen(settings))
            result = await evaluate(assessor, *load_eval_set())
            real = Counter(a.triage.action for a in await route_all(assessor, corpus))
    finally:
        await server.stop()
    return result, real


def render(seed: int, seconds: float, result: EvalResult, real: Counter[Action], n: int) -> str:
    figures = "  ".join(f"{name} {value:.3f}" for name, value in result.figures.items())
    line = f"seed {seed:>6}  trained in {seconds:4.0f} s  {figures}"
    if n:
        line += "  real: " + "  ".join(f"{a.value} {real[a] / n:.1%}" for a in REAL_SHARES)
    if result.meets_targets():
        return line
    return "\n".join([line + "  TARGETS NOT MET", *(f"    {miss}" for miss in result.misses())])


def _keep(model: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(model, target)


async def one_seed(
    seed: int,
    base: Settings,
    corpus: list[str],
    gates: tuple[asyncio.Semaphore, asyncio.Lock],
    keep: Path | None,
) -> tuple[str, bool]:
    gate, measuring = gates
    with tempfile.TemporaryDirectory(prefix=f"eval-seed-{seed}-") as tmp:
        async with gate:
            model, seconds = await train(seed, Path(tmp))
        if keep:
            await asyncio.to_thread(_keep, model, keep / f"seed-{seed}.tar.gz")
        async with measuring:  # one Rasa server at a time: figures are not slowed by another
            result, real = await measure(base, model, corpus)
    text = render(seed, seconds, result, real, len(corpus))
    print(text, flush=True)
    return text, result.meets_targets()


async def _main(
    corpus_path: Path, corpus: list[str], seeds: tuple[int, ...], keep: Path | None
) -> int:
    base = command_settings()
    print(
        f"eval-seeds: seeds {', '.join(map(str, seeds))}; targets {TARGETS}; "
        f"real text: {corpus_path.name if corpus else 'none'} ({len(corpus)} lines)",
        flush=True,
    )
    gates = asyncio.Semaphore(2), asyncio.Lock()
    results = await asyncio.gather(*(one_seed(s, base, corpus, gates, keep) for s in seeds))
    met = all(ok for _, ok in results)
    print("all seeds meet the targets" if met else "SOME SEED MISSES A TARGET")
    return 0 if met else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="make eval-seeds")
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--keep", type=Path, help="keep the trained models in this folder")
    args = parser.parse_args()
    corpus = read_corpus(args.corpus, None) if args.corpus.exists() else []
    sys.exit(asyncio.run(_main(args.corpus, corpus, tuple(args.seeds), args.keep)))
