"""The safety screen: lexicon matches, and crisis or high-risk intents anywhere in the ranking.

A crisis intent in the model's ranking at or above `crisis_rank_threshold` raises to
imminent even when another intent won; sexual abuse, grooming or trafficking at or above
`high_rank_threshold` raises to high (the report flow, whose first step checks with the
person, so a false alarm costs one question while a miss could cost a child).
"""

from dataclasses import dataclass

from bot.understanding.classifier import Understanding
from bot.understanding.lexicon import Lexicon
from bot.understanding.taxonomy import CRISIS_INTENTS, HIGH_RISK_INTENTS, Risk


@dataclass(frozen=True, slots=True)
class Screening:
    level: Risk  # IMMINENT, HIGH or NONE
    concepts: tuple[str, ...] = ()  # lexicon ids or "ranking:<intent>", safe to log


class SafetyScreen:
    def __init__(
        self,
        lexicon: Lexicon,
        crisis_rank_threshold: float = 0.15,
        high_rank_threshold: float = 0.2,
    ) -> None:
        self._lexicon = lexicon
        self._crisis_rank_threshold = crisis_rank_threshold
        self._high_rank_threshold = high_rank_threshold

    def screen(self, text: str, understanding: Understanding | None = None) -> Screening:
        matches = self._lexicon.matches(text)
        concepts = [m.phrase.concept for m in matches]
        levels = {m.phrase.level for m in matches}
        if understanding is not None:
            for intent, confidence in understanding.ranking:
                if intent in CRISIS_INTENTS and confidence >= self._crisis_rank_threshold:
                    concepts.append(f"ranking:{intent}")
                    levels.add("imminent")
                elif intent in HIGH_RISK_INTENTS and confidence >= self._high_rank_threshold:
                    concepts.append(f"ranking:{intent}")
                    levels.add("high")
        unique = tuple(dict.fromkeys(concepts))
        if "imminent" in levels:
            return Screening(Risk.IMMINENT, unique)
        if "high" in levels:
            return Screening(Risk.HIGH, unique)
        return Screening(Risk.NONE)
