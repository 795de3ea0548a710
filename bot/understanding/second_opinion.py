"""A second, simpler reader of the same training data: multinomial naive Bayes.

The neural classifier is certain about text unlike anything it was trained on (story
narration, news) and calls it a crisis. A linear model over the words and word pairs of the
training examples errs differently: on words it has not seen it says nothing and falls back on
how common each intent is. A crisis reading stands only when both readers see a crisis.
Trained at start-up from `nlu/data/*.yml` in well under a second; deterministic.
"""

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from bot.understanding.taxonomy import CRISIS_INTENTS, HIGH_RISK_INTENTS, REPORT_INTENTS, Intent
from nlu.components.normaliser import Normaliser, Word

SMOOTHING = 0.5


def features(plain_words: list[str]) -> list[str]:
    pairs = [f"{a}_{b}" for a, b in zip(plain_words, plain_words[1:], strict=False)]
    return plain_words + pairs


class NaiveBayes:
    def __init__(self, examples: Iterable[tuple[str, Intent]], normaliser: Normaliser) -> None:
        self._fit((normaliser.words(text), intent) for text, intent in examples)

    @classmethod
    def from_words(cls, examples: Iterable[tuple[list[Word], Intent]]) -> "NaiveBayes":
        """From examples already split into words (the screen normalises them once)."""
        model = cls.__new__(cls)
        model._fit(examples)
        return model

    def _fit(self, examples: Iterable[tuple[list[Word], Intent]]) -> None:
        counts: dict[Intent, Counter[str]] = defaultdict(Counter)
        docs: Counter[Intent] = Counter()
        for words, intent in examples:
            counts[intent].update(features([w.plain for w in words]))
            docs[intent] += 1
        vocabulary = {f for c in counts.values() for f in c}
        total = sum(docs.values())
        self._prior = {i: math.log(n / total) for i, n in docs.items()}
        self._log: dict[Intent, dict[str, float]] = {}
        self._unseen: dict[Intent, float] = {}
        for intent, c in counts.items():
            denominator = sum(c.values()) + SMOOTHING * len(vocabulary)
            self._log[intent] = {f: math.log((n + SMOOTHING) / denominator) for f, n in c.items()}
            self._unseen[intent] = math.log(SMOOTHING / denominator)
        self._vocabulary = vocabulary

    def posterior(self, words: list[Word]) -> dict[Intent, float]:
        known = [f for f in features([w.plain for w in words]) if f in self._vocabulary]
        scores = {
            intent: prior + sum(self._log[intent].get(f, self._unseen[intent]) for f in known)
            for intent, prior in self._prior.items()
        }
        top = max(scores.values())
        weights = {intent: math.exp(score - top) for intent, score in scores.items()}
        total = sum(weights.values())
        return {intent: w / total for intent, w in weights.items()}

    def shares(self, words: list[Word]) -> "Shares":
        """How much of the posterior falls on the crisis, report and high-risk intents."""
        posterior = self.posterior(words)
        return Shares(
            *(
                sum(posterior.get(i, 0.0) for i in group)
                for group in (CRISIS_INTENTS, REPORT_INTENTS, HIGH_RISK_INTENTS)
            )
        )


@dataclass(frozen=True, slots=True)
class Shares:
    crisis: float = 1.0
    report: float = 1.0
    high_risk: float = 1.0
