"""What the conversation can offer, read from content: platforms and advice topics, with the
words people type for them, and the typed answers to its questions (content/vi/answers.yml).
Built once at start-up; pure lookups afterwards."""

import re

from bot.content import Content
from bot.dialogue.engine import Catalogue
from nlu.components.normaliser import Normaliser

_AGE = re.compile(r"\b(\d{1,2}) ?(?:tuoi|t)\b")
_GRADE = re.compile(r"\blop (\d{1,2})\b")


def _band(age: int) -> str:
    if 5 <= age < 13:
        return "under13"
    if 13 <= age <= 15:
        return "13-15"
    return "16-17" if 16 <= age <= 17 else ""


class Finder:
    """Picks a platform or an advice topic out of what someone typed."""

    def __init__(self, content: Content, normaliser: Normaliser) -> None:
        self._normaliser = normaliser
        platforms = content.node("platforms.platforms")
        topics = content.node("advice.topics")
        self.catalogue = Catalogue(
            platforms={pid: str(p["name"]) for pid, p in platforms.items()},
            topics={tid: str(t["title"]) for tid, t in topics.items()},
        )
        self._platform_words = self._index(
            {
                pid: [pid.replace("_", " "), p["name"], *p.get("aliases", [])]
                for pid, p in platforms.items()
            }
        )
        self._topic_words = self._index(
            {tid: [t["title"], *t.get("keywords", [])] for tid, t in topics.items()}
        )
        answers = dict(content.node("answers"))
        self._sad_emoji = frozenset(str(e) for e in answers.pop("sad_emoji", []))
        self._answers = {question: self._ranked(choices) for question, choices in answers.items()}

    def platform(self, plain: str, entity: str | None = None) -> str:
        for text in (entity, plain):
            if text and (found := self._find(self._platform_words, self._plain(text))):
                return found
        return ""

    def topic(self, plain: str) -> str:
        return self._find(self._topic_words, plain)

    def answer(self, question: str, plain: str) -> str:
        """The button a typed answer to `question` means, or "": the longest phrase found wins,
        and on a tie the button listed first ("no" before "yes")."""
        return self._find(self._answers.get(question, []), plain)

    def only_sad_emoji(self, text: str) -> bool:
        """ "😭😭😭": nothing but sad emoji (and spaces or variation selectors)."""
        marks = [ch for ch in text if not ch.isspace() and ch not in "\ufe0f\u200d"]
        return bool(marks) and all(ch in self._sad_emoji for ch in marks)

    def age_band(self, plain: str) -> str:
        """The age band of "em 14 tuổi", "con tôi 12t", "lớp 8" (a grade is about age + 6)."""
        if found := _AGE.search(plain):
            return _band(int(found.group(1)))
        if found := _GRADE.search(plain):
            return _band(int(found.group(1)) + 6)
        return ""

    def _ranked(self, choices: dict[str, list[str]]) -> list[tuple[str, str]]:
        order = {payload: n for n, payload in enumerate(choices)}
        pairs = {(self._plain(str(p)), payload) for payload, ps in choices.items() for p in ps}
        return sorted(
            ((w, k) for w, k in pairs if w),
            key=lambda pair: (-len(pair[0].split()), order[pair[1]]),
        )

    def _index(self, words: dict[str, list[str]]) -> list[tuple[str, str]]:
        pairs = [(self._plain(str(word)), key) for key, items in words.items() for word in items]
        return sorted({(w, k) for w, k in pairs if w}, key=lambda pair: -len(pair[0]))

    def _find(self, index: list[tuple[str, str]], plain: str) -> str:
        padded = f" {plain} "
        return next((key for word, key in index if f" {word} " in padded), "")

    def _plain(self, text: str) -> str:
        return self._normaliser.plain(text)
