"""The safety screen: lexicon matches and crisis intents anywhere in the model's ranking."""

from dataclasses import dataclass

from bot.nlu import Understanding
from bot.safety.lexicon import Lexicon
from bot.taxonomy import CRISIS_INTENTS, Risk


@dataclass(frozen=True, slots=True)
class Screening:
    level: Risk  # IMMINENT, HIGH or NONE
    concepts: tuple[str, ...] = ()  # lexicon ids or "ranking:<intent>", safe to log


class SafetyScreen:
    def __init__(self, lexicon: Lexicon, crisis_rank_threshold: float = 0.15) -> None:
        self._lexicon = lexicon
        self._crisis_rank_threshold = crisis_rank_threshold

    def screen(self, text: str, understanding: Understanding | None = None) -> Screening:
        matches = self._lexicon.matches(text)
        concepts = [m.phrase.concept for m in matches]
        levels = {m.phrase.level for m in matches}
        if understanding is not None:
            for intent, confidence in understanding.ranking:
                if intent in CRISIS_INTENTS and confidence >= self._crisis_rank_threshold:
                    concepts.append(f"ranking:{intent}")
                    levels.add("imminent")
        unique = tuple(dict.fromkeys(concepts))
        if "imminent" in levels:
            return Screening(Risk.IMMINENT, unique)
        if "high" in levels:
            return Screening(Risk.HIGH, unique)
        return Screening(Risk.NONE)
