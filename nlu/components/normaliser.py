"""Vietnamese chat-text normaliser, shared by the Rasa tokenizer and the bot's safety screen.

Standard library and PyYAML only, and Python 3.10 compatible: it runs inside Rasa's
environment as well as the bot's.

A message is cut into words that keep their character offsets in the original text; each word
is then lower-cased, its repeated letters collapsed ("chếttttt" → "chết"), looked up in the
teencode map ("ko" → "không", "ny" → "người yêu") and emoji are turned into words
("😭" → "khóc"). Every resulting word is available with diacritics (``accented``) and without
(``plain``, with đ → d), because children type both.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

import yaml

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content" / "nlu"

_URL = r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|vn|net|org|me|ly|gg|io|tv)(?:/\S*)?"
_WORD = r"(?:\w|[\u0300-\u036f])+"
# URLs, @handles, words (with combining marks, for text typed in decomposed form), or any
# other single non-space character (emoji are sorted out afterwards).
_TOKEN = re.compile(rf"(?P<url>{_URL})|(?P<handle>@[\w.]+)|(?P<word>{_WORD})|(?P<other>\S)")
_SKIPPED = {"\u200d", "\ufe0f", "\ufe0e", "\u20e3"}  # joiners and variation selectors

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
URL_WORD = "url"
HANDLE_WORD = "username"


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese diacritics: "đã gửi" → "da gui"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def _without_tone(ch: str) -> str:
    decomposed = unicodedata.normalize("NFD", ch.lower())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))


def has_diacritics(word: str) -> bool:
    return strip_diacritics(word) != word


def collapse_repeats(word: str) -> str:
    """Collapse letters typed again and again: "cứuuuu" → "cứu", "khumm" → "khum".

    Letters are compared without their tone mark (ư and u stay different letters, so "cứu"
    and "lưu" are kept). Vietnamese spelling doubles no letter except "oo" ("xoong") and, typed
    without diacritics, "uu" ("cuu" for cứu, "luu" for lưu): every other run of one letter
    becomes its first letter; a run of u's stays two unless it follows an ư.
    """
    out: List[str] = []
    for base, group in groupby(word, key=_without_tone):
        letters = list(group)
        if not base.isalpha() or base == "o" and len(letters) == 2:
            out.extend(letters)
        elif base == "u" and not (out and _without_tone(out[-1]) == "ư"):
            out.extend(letters[:2])
        else:
            out.append(letters[0])
    return "".join(out)


@dataclass(frozen=True)
class Word:
    """One normalised word and the span of the original text it came from."""

    accented: str
    plain: str
    start: int
    end: int


class Normaliser:
    def __init__(self, teencode: Mapping[str, str], emoji: Mapping[str, str]) -> None:
        self._teencode: Dict[str, Tuple[str, ...]] = {}
        for short, full in teencode.items():
            key = collapse_repeats(unicodedata.normalize("NFC", str(short).lower()))
            self._teencode[key] = tuple(unicodedata.normalize("NFC", full.lower()).split())
        self._emoji: Dict[str, Tuple[str, ...]] = {}
        for symbol, words in emoji.items():
            key = "".join(ch for ch in str(symbol) if ch not in _SKIPPED)
            self._emoji[key] = tuple(unicodedata.normalize("NFC", words.lower()).split())

    @classmethod
    def from_content(cls, content_dir: Optional[Path] = None) -> "Normaliser":
        folder = content_dir or CONTENT_DIR
        return cls(_load_map(folder / "teencode.yml"), _load_map(folder / "emoji.yml"))

    def words(self, text: str) -> List[Word]:
        """The normalised words of ``text``, with their offsets in ``text``."""
        result: List[Word] = []
        for match in _TOKEN.finditer(text):
            start, end = match.span()
            for accented in self._expand(match.lastgroup or "other", match.group()):
                result.append(Word(accented, strip_diacritics(accented), start, end))
        return result

    def plain(self, text: str) -> str:
        """The whole text normalised and without diacritics, words separated by one space."""
        return " ".join(word.plain for word in self.words(text))

    def _expand(self, kind: str, raw: str) -> Tuple[str, ...]:
        if kind == "url":
            return (URL_WORD,)
        if kind == "handle":
            return (HANDLE_WORD,)
        if kind == "other":
            if raw in _SKIPPED or unicodedata.category(raw) in {"Sk", "Mn"}:
                return ()
            return self._emoji.get(raw, ())
        word = collapse_repeats(unicodedata.normalize("NFC", raw).lower())
        return self._teencode.get(word, (word,))


def _load_map(path: Path) -> Dict[str, str]:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of `form: words`")
    return {str(key): str(value) for key, value in data.items()}
