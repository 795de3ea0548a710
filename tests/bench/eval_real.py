"""`make eval-real`: real text nobody here wrote, routed as the bot would route it. Figures only.

Reads one text per line (a TSV's first column; a `shared/corpora/vi_everyday.tsv` beside the
clone by default, or the file given), routes every line through the trained model, the safety
screen and the triage, and prints the share of each action, then every text sent to
`urgent_handoff` or `check_in`, so that a person can judge them.
"""

import argparse
import asyncio
import sys
from collections import Counter
from pathlib import Path

from bot.settings import ROOT
from bot.understanding.assess import Assessment, Assessor
from bot.understanding.local import local_assessor
from bot.understanding.taxonomy import Action
from tests.bench.common import command_settings

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "vi_everyday.tsv"
SHOWN = (Action.URGENT_HANDOFF, Action.CHECK_IN)


def read_corpus(path: Path, limit: int | None) -> list[str]:
    texts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.split("\t", 1)[0].strip()
        if text:
            texts.append(text)
    return texts[:limit] if limit else texts


async def route_all(assessor: Assessor, texts: list[str]) -> list[Assessment]:
    gate = asyncio.Semaphore(4)

    async def one(text: str) -> Assessment:
        async with gate:
            return await assessor.assess(text)

    return await asyncio.gather(*(one(text) for text in texts))


def render(path: Path, texts: list[str], assessments: list[Assessment]) -> str:
    actions = Counter(a.triage.action for a in assessments)
    total = len(texts)
    lines = [f"eval-real: {total} lines from {path.name}", ""]
    lines += [
        f"  {action.value:<16}{actions[action]:>7}{actions[action] / total:>8.1%}"
        for action in Action
    ]
    if not all(a.understanding.available for a in assessments):
        lines.append("  (the NLU did not answer for some lines: the screen decided alone)")
    for action in SHOWN:
        chosen = [
            (t, a) for t, a in zip(texts, assessments, strict=True) if a.triage.action is action
        ]
        lines += ["", f"{action.value}: {len(chosen)}"]
        for text, a in chosen:
            why = ",".join(a.screening.concepts + a.screening.evidence + a.screening.distress)
            intent = a.triage.intent.value if a.triage.intent else "-"
            lines.append(f"  [{intent} {a.triage.confidence:.2f} {why or '-'}] {text}")
    return "\n".join(lines) + "\n"


async def _main(path: Path, limit: int | None) -> int:
    texts = read_corpus(path, limit)
    async with local_assessor(command_settings()) as (_, assessor, _):
        assessments = await route_all(assessor, texts)
    print(render(path, texts, assessments), end="")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="make eval-real")
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"no corpus at {args.corpus}: give a file, one text per line (TSV: first column)")
    sys.exit(asyncio.run(_main(args.corpus, args.limit)))
