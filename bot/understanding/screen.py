"""The safety screen: what the text itself says, before and beside the model.

* An `imminent` lexicon phrase raises to urgent_handoff, a `high` one to the report flow.
* `support` phrases are crisis evidence: a crisis intent in the model's reading (the winner,
  or anywhere in the ranking at or above `crisis_rank_threshold`) stands only when the text
  carries one and a second, linear reader of the training data (naive Bayes) also puts at
  least `SECOND_OPINION_MIN` of its weight on a crisis, so a softmax over words the model has
  never seen never calls the emergency numbers on its own.
* `distress` phrases (sadness, "chán đời", "mệt mỏi lắm rồi") bring a check-in.
* Sexual abuse, grooming or trafficking in the ranking at or above `high_rank_threshold`
  raises to the report flow (its first step checks with the person), when the text is not
  novel to the model (mostly words it was never trained on) and either the model's own winner
  is a crisis or a report, or the second reader also puts weight on those intents.
Every phrase is ignored inside an idiom of the exception list.
"""

from dataclasses import dataclass, replace

from bot.understanding.classifier import Understanding
from bot.understanding.coverage import Vocabulary
from bot.understanding.lexicon import LEVELS, Lexicon
from bot.understanding.second_opinion import NaiveBayes, Shares
from bot.understanding.taxonomy import (
    CRISIS_INTENTS,
    HIGH_RISK_INTENTS,
    REPORT_INTENTS,
    Intent,
    Risk,
)


@dataclass(frozen=True, slots=True)
class Screening:
    level: Risk  # IMMINENT, HIGH or NONE
    concepts: tuple[str, ...] = ()  # lexicon ids or "ranking:<intent>", safe to log
    evidence: tuple[str, ...] = ()  # crisis evidence in the text (support or imminent ids)
    distress: tuple[str, ...] = ()  # ambiguous distress in the text
    coverage: float = 1.0  # share of the text's words the model was trained on
    second_opinion: Shares = Shares()  # the linear reader's weight on crisis, report intents

    @property
    def novel(self) -> bool:
        return self.coverage < NOVEL_BELOW

    @property
    def crisis_like(self) -> bool:
        """The second reader sees a crisis, with or without evidence in the words."""
        return self.second_opinion.crisis >= SECOND_OPINION_MIN

    @property
    def report_like(self) -> bool:
        """The second reader sees a report of harm too."""
        return self.second_opinion.report >= SECOND_OPINION_MIN

    @property
    def crisis_supported(self) -> bool:
        """The text carries crisis evidence and the second reader sees a crisis too."""
        return bool(self.evidence) and self.crisis_like


NOVEL_BELOW = 0.5  # under half of the words known: the model has no grounds for a reading
SECOND_OPINION_MIN = 0.2


class SafetyScreen:
    def __init__(
        self,
        lexicon: Lexicon,
        crisis_rank_threshold: float = 0.15,
        high_rank_threshold: float = 0.2,
        vocabulary: Vocabulary | None = None,
        second_reader: NaiveBayes | None = None,
    ) -> None:
        self._lexicon = lexicon
        self._crisis_rank_threshold = crisis_rank_threshold
        self._high_rank_threshold = high_rank_threshold
        self._vocabulary = vocabulary
        self._second_reader = second_reader

    def screen(self, text: str, understanding: Understanding | None = None) -> Screening:
        words = self._lexicon.normaliser.words(text)
        found: dict[str, list[str]] = {level: [] for level in LEVELS}
        for match in self._lexicon.matches_in(words):
            found[match.phrase.level].append(match.phrase.concept)
        screening = Screening(
            Risk.NONE,
            evidence=_unique(found["imminent"] + found["support"]),
            distress=_unique(found["distress"]),
            coverage=self._vocabulary.coverage(words) if self._vocabulary else 1.0,
            second_opinion=self._second_reader.shares(words) if self._second_reader else Shares(),
        )
        raised = found["imminent"] + found["high"]
        levels = {level for level in ("imminent", "high") if found[level]}
        for intent in self._ranked(understanding):
            level = _raise_for(intent, screening, understanding)
            if level:
                raised.append(f"ranking:{intent}")
                levels.add(level)
        level = Risk.IMMINENT if "imminent" in levels else Risk.HIGH if levels else Risk.NONE
        return replace(screening, level=level, concepts=_unique(raised) if levels else ())

    def _ranked(self, understanding: Understanding | None) -> list[Intent]:
        """Crisis and high-risk intents the model ranks at or above their thresholds."""
        if understanding is None:
            return []
        return [
            intent
            for intent, confidence in understanding.ranking
            if confidence >= self._threshold(intent)
        ]

    def _threshold(self, intent: Intent) -> float:
        if intent in CRISIS_INTENTS:
            return self._crisis_rank_threshold
        if intent in HIGH_RISK_INTENTS:
            return self._high_rank_threshold
        return 2.0  # never


def _raise_for(intent: Intent, screening: Screening, understanding: Understanding | None) -> str:
    """The level a crisis or high-risk intent in the ranking raises to: "imminent", "high", ""."""
    if intent in CRISIS_INTENTS:
        return "imminent" if screening.crisis_supported else ""
    if screening.novel:
        return ""
    heard = screening.second_opinion.high_risk >= SECOND_OPINION_MIN or _reads_harm(understanding)
    return "high" if heard else ""


def _reads_harm(understanding: Understanding | None) -> bool:
    """The model's own winner is a crisis or a report: a high-risk intent beside it is heard."""
    top = understanding.intent if understanding else None
    return top in CRISIS_INTENTS or top in REPORT_INTENTS


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
