"""The reviewed safety lexicon from content/safety/lexicon.yml and its matching rules.

Phrases and messages are compared word by word after normalisation (teencode expanded,
repeated letters collapsed). A phrase written with diacritics matches only those diacritics;
a phrase written without them matches with or without. Unaccented text is ambiguous ("tu tu"
may be "từ từ", slowly; "ban than" may be "bạn thân"), so reviewers list an unaccented
spelling only where it cannot be read as something harmless.
"""

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from nlu.components.normaliser import Normaliser, Word, has_diacritics

# imminent and high raise the action; support is crisis evidence for the model's reading and
# distress brings a check-in (see content/safety/lexicon.yml).
LEVELS = ("imminent", "high", "support", "distress")


@dataclass(frozen=True, slots=True)
class Phrase:
    concept: str  # the entry id, safe to log
    level: str  # one of LEVELS, or "exception"
    text: str
    words: tuple[Word, ...]


@dataclass(frozen=True, slots=True)
class Match:
    phrase: Phrase
    start: int  # character offsets in the message
    end: int


def same_word(said: Word, listed: Word) -> bool:
    if has_diacritics(listed.accented):
        return said.accented == listed.accented
    return said.plain == listed.plain


class Lexicon:
    def __init__(self, phrases: list[Phrase], normaliser: Normaliser) -> None:
        self.phrases = tuple(phrases)
        self.normaliser = normaliser
        self._by_first: dict[str, list[Phrase]] = defaultdict(list)
        for phrase in phrases:
            self._by_first[phrase.words[0].plain].append(phrase)

    @classmethod
    def load(cls, path: Path, normaliser: Normaliser) -> "Lexicon":
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        phrases: list[Phrase] = []
        for level in LEVELS:
            for entry in data.get(level) or []:
                for text in entry["phrases"]:
                    phrases.append(_phrase(str(entry["id"]), level, str(text), normaliser))
        for text in data.get("exceptions") or []:
            phrases.append(_phrase("exception", "exception", str(text), normaliser))
        return cls(phrases, normaliser)

    def matches(self, text: str) -> list[Match]:
        """Lexicon matches in `text` that are not inside an idiom of the exception list."""
        return self.matches_in(self.normaliser.words(text))

    def matches_in(self, words: list[Word]) -> list[Match]:
        """The same, for a text already cut into normalised words."""
        found = [
            Match(phrase, words[i].start, words[i + len(phrase.words) - 1].end)
            for i, word in enumerate(words)
            for phrase in self._by_first.get(word.plain, ())
            if _matches_at(words, i, phrase.words)
        ]
        idioms = [m for m in found if m.phrase.level == "exception"]
        return [
            m
            for m in found
            if m.phrase.level != "exception"
            and not any(i.start <= m.start and m.end <= i.end for i in idioms)
        ]


def _phrase(concept: str, level: str, text: str, normaliser: Normaliser) -> Phrase:
    words = tuple(normaliser.words(text))
    if not words:
        raise ValueError(f"lexicon entry {concept!r} has a phrase with no words")
    return Phrase(concept, level, text, words)


def _matches_at(words: list[Word], i: int, phrase: tuple[Word, ...]) -> bool:
    if i + len(phrase) > len(words):
        return False
    return all(same_word(words[i + j], listed) for j, listed in enumerate(phrase))
