"""The training and evaluation data keep the rules of TAXONOMY.md and the foundation issue."""

import re
from collections import Counter
from pathlib import Path

import yaml

from bot.understanding.screen import SafetyScreen
from bot.understanding.taxonomy import CRISIS_INTENTS, REPORT_INTENTS, Intent, Risk
from nlu.components.normaliser import Normaliser, has_diacritics
from tests.bench.eval_nlu import load_eval_set

DATA = Path(__file__).resolve().parents[2] / "nlu" / "data"
ANNOTATION = re.compile(r"\[([^\]]+)\]\((\w+)\)")
TEENCODE = set(yaml.safe_load((DATA.parents[1] / "content" / "nlu" / "teencode.yml").read_text()))


def training_examples() -> list[tuple[str, Intent]]:
    examples = []
    for path in sorted(DATA.glob("*.yml")):
        for item in yaml.safe_load(path.read_text("utf-8"))["nlu"]:
            if "intent" in item:
                for line in item["examples"].splitlines():
                    if line.strip().startswith("- "):
                        examples.append((line.strip()[2:], Intent(item["intent"])))
    return examples


EXAMPLES = training_examples()


def plain_text(example: str) -> str:
    return ANNOTATION.sub(r"\1", example)


def test_every_intent_has_enough_examples() -> None:
    counts = Counter(intent for _, intent in EXAMPLES)
    for intent in Intent:
        needed = (
            60 if intent in REPORT_INTENTS | CRISIS_INTENTS | {Intent.ASK_ONLINE_SAFETY} else 30
        )
        assert counts[intent] >= needed, f"{intent}: {counts[intent]} < {needed}"


def test_no_duplicate_examples() -> None:
    counts = Counter(plain_text(text).lower() for text, _ in EXAMPLES)
    assert [text for text, n in counts.items() if n > 1] == []


def test_written_as_children_type() -> None:
    texts = [plain_text(text) for text, _ in EXAMPLES]
    unaccented = sum(1 for t in texts if not has_diacritics(t)) / len(texts)
    teencode = sum(1 for t in texts if TEENCODE & set(re.findall(r"\w+", t.lower()))) / len(texts)
    assert unaccented >= 0.30, f"{unaccented:.0%} without diacritics"
    assert teencode >= 0.20, f"{teencode:.0%} with teencode"


def test_platforms_are_annotated() -> None:
    annotated = [m for text, _ in EXAMPLES for m in ANNOTATION.findall(text)]
    assert {entity for _, entity in annotated} == {"platform"}
    assert len(annotated) >= 300


def test_evaluation_set_is_large_enough_and_apart_from_training() -> None:
    rows, idioms = load_eval_set()
    counts = Counter(intent for _, intent in rows)
    assert len(rows) >= 350
    assert len(idioms) >= 20
    assert min(counts[intent] for intent in Intent) >= 15
    # Short everyday lines ("cảm ơn", "mấy giờ rồi") may be written the same way twice by
    # independent writers; any longer shared line would be a copy.
    normaliser = Normaliser.from_content()
    trained = {normaliser.plain(plain_text(text)) for text, _ in EXAMPLES}
    evaluated = [normaliser.plain(text) for text, _ in rows] + list(map(normaliser.plain, idioms))
    copied = [text for text in evaluated if len(text.split()) >= 5 and text in trained]
    assert copied == [], "evaluation lines copied into training"


def test_every_crisis_example_carries_crisis_evidence(screen: SafetyScreen) -> None:
    """A crisis reading of the model stands only with crisis evidence in the text (TAXONOMY.md):
    the reviewed evidence lexicon must cover every way the crisis examples are said."""
    rows, _ = load_eval_set()
    crises = [plain_text(t) for t, i in EXAMPLES if i in CRISIS_INTENTS]
    crises += [t for t, i in rows if i in CRISIS_INTENTS]
    assert [text for text in crises if not screen.screen(text).evidence] == []


def test_everyday_examples_raise_nothing(screen: SafetyScreen) -> None:
    """Everyday lines are look-alikes, never real crises: none may carry an imminent phrase."""
    everyday = [plain_text(t) for t, i in EXAMPLES if i is Intent.OUT_OF_SCOPE]
    raised = [(t, s.concepts) for t in everyday if (s := screen.screen(t)).level is Risk.IMMINENT]
    assert raised == []
