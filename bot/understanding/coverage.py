"""How much of a text the model was trained on: the out-of-distribution defence.

The classifier's softmax always picks some intent, and it is as certain about words it has
never seen as about words it knows ("kiến thức cơ sở vững chắc" → crisis_self_harm 1.00).
The vocabulary of the training data tells when it has no grounds: the share of a text's words
that occur in some training example. A word typed with diacritics must be known with them
("chết" is not "chét"); one typed without is compared without ("chet").
"""

import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from bot.understanding.taxonomy import Intent
from nlu.components.normaliser import HANDLE_WORD, URL_WORD, Normaliser, Word, has_diacritics

_ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)")  # "[tiktok](platform)" → "tiktok"
_ALWAYS_KNOWN = {URL_WORD, HANDLE_WORD}


# libyaml when it is there: the training files are read at every start-up
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def training_examples(folder: Path) -> list[tuple[str, Intent]]:
    """Every intent example in the Rasa training files of `folder`, without annotations."""
    examples = []
    for path in sorted(folder.glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=SAFE_LOADER) or {}  # noqa: S506 (a safe loader)
        for block in data.get("nlu") or []:
            if "intent" not in block:
                continue
            intent = Intent(block["intent"])
            for line in str(block.get("examples") or "").splitlines():
                example = _ANNOTATION.sub(r"\1", line.strip().removeprefix("- "))
                if example:
                    examples.append((example, intent))
    return examples


class Vocabulary:
    def __init__(self, words: Iterable[Word]) -> None:
        self._accented: set[str] = set()
        self._plain: set[str] = set()
        for word in words:
            self._accented.add(word.accented)
            self._plain.add(word.plain)

    @classmethod
    def from_examples(
        cls, examples: list[tuple[str, Intent]], normaliser: Normaliser
    ) -> "Vocabulary":
        return cls(word for text, _ in examples for word in normaliser.words(text))

    def __len__(self) -> int:
        return len(self._accented)

    def known(self, word: Word) -> bool:
        if word.accented in _ALWAYS_KNOWN or word.plain.isdigit():
            return True
        if has_diacritics(word.accented):
            return word.accented in self._accented
        return word.plain in self._plain

    def coverage(self, words: list[Word]) -> float:
        """The share of `words` the training data has; 0.0 for a text with no words ("...",
        "🦄🦄🦄"): the model has nothing to read, whatever it answers for an empty input."""
        if not words:
            return 0.0
        return sum(1 for word in words if self.known(word)) / len(words)
