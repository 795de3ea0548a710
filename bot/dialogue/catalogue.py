"""What the conversation can offer, read from content: platforms and advice topics, with the
words people type for them. Built once at start-up; pure lookups afterwards."""

from bot.content import Content
from bot.dialogue.engine import Catalogue
from nlu.components.normaliser import Normaliser


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

    def platform(self, plain: str, entity: str | None = None) -> str:
        for text in (entity, plain):
            if text and (found := self._find(self._platform_words, self._plain(text))):
                return found
        return ""

    def topic(self, plain: str) -> str:
        return self._find(self._topic_words, plain)

    def _index(self, words: dict[str, list[str]]) -> list[tuple[str, str]]:
        pairs = [(self._plain(str(word)), key) for key, items in words.items() for word in items]
        return sorted({(w, k) for w, k in pairs if w}, key=lambda pair: -len(pair[0]))

    def _find(self, index: list[tuple[str, str]], plain: str) -> str:
        padded = f" {plain} "
        return next((key for word, key in index if f" {word} " in padded), "")

    def _plain(self, text: str) -> str:
        return self._normaliser.plain(text)
