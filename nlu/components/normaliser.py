"""Vietnamese chat-text normaliser, shared by the Rasa tokenizer and the bot's safety screen.

Standard library and PyYAML only, and Python 3.10 compatible: it runs inside Rasa's
environment as well as the bot's.

A message is cut into words that keep their character offsets in the original text; each word
is then lower-cased, its repeated letters collapsed ("chếttttt" → "chết"), looked up in the
teencode map ("ko" → "không", "ny" → "người yêu") and emoji are turned into words
("😭" → "khóc"). Short forms whose meaning depends on the words around them ("t" = tôi or
tao, "bn" = bạn or bao nhiêu, "k" = không, but "50 k" is fifty thousand) are read with the
table ``IN_CONTEXT`` below. Laughter ("kkk", "haha", "hihi") and emoticons ("=))", ":v") are
kept as typed. Every resulting word is available with diacritics (``accented``) and without
(``plain``, with đ → d), because children type both.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Dict, FrozenSet, List, Mapping, Optional, Tuple

import yaml

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content" / "nlu"

_URL = r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|vn|net|org|me|ly|gg|io|tv)(?:/\S*)?"
_WORD = r"(?:\w|[\u0300-\u036f])+"
# Text emoticons, kept as one word each: "=))", ":((", ":v", ":D", "^^", "<3".
_EMOTICON = r"[:;=]['-]?(?:\)+|\(+|[dDpPvVoO3](?!\w))|\^_*\^|<3+"
# URLs, @handles, emoticons, words (with combining marks, for text typed in decomposed form),
# or any other single non-space character (emoji are sorted out afterwards).
_TOKEN = re.compile(
    rf"(?P<url>{_URL})|(?P<handle>@[\w.]+)|(?P<emoticon>{_EMOTICON})|(?P<word>{_WORD})|(?P<other>\S)"
)
_SKIPPED = {"\u200d", "\ufe0f", "\ufe0e", "\u20e3"}  # joiners and variation selectors
# Laughter and crying, kept as typed (never collapsed: "kk" must not become "k" = không).
_LAUGHTER = re.compile(
    r"k(?:[aeiouê]?k)+[aeiouê]?"  # kk, kkk, kaka, keke
    r"|(?:h+[aeiouêj]+){2,}h*"  # haha, hihi, hehe, huhu, hjhj
    r"|(?:hi[cx]|hj[cx])+"  # hic, hix
    r"|(?:wk)+w?"  # wkwk
)

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


# --- Short forms read by context -------------------------------------------------------------
#
# IN_CONTEXT[form] is a list of (condition, words, reading), tried in order; the first that
# holds gives the reading (KEEP: leave the form as typed). Conditions look at the neighbouring
# words of the same clause (punctuation, emoji and URLs end a clause), after teencode:
#   AFTER    the previous word is one of `words`    BEFORE  the next word is one of `words`
#   WITH     another word of the message is one of `words` (the register: t … m → tao … mày)
#   NUMBER   the previous word is a number ("50 k", "20 đ")
#   NUMBER_NEXT  the next word is a number ("sn 2010")
#   LAST     the form ends its clause (after one of `words`, if any are listed)
#   ALWAYS   the default
# A set written with diacritics also matches the same words typed without them.
AFTER, BEFORE, WITH, LAST, ALWAYS = "after", "before", "with", "last", "always"
NUMBER, NUMBER_NEXT = "number", "number next"
KEEP = ""


def _words(text: str) -> FrozenSet[str]:
    listed = text.split()
    return frozenset(listed + [strip_diacritics(word) for word in listed])


# "câu b", "ý c", "lớp 10 a", "plan b", "vitamin c", "30 độ c": a letter that names an option.
_OPTION = _words(
    "câu ý lớp khối loại hạng plan vitamin nhóm tổ đội phần mục án tầng dãy khu phòng bảng "
    "tòa toà size cỡ độ điểm chữ vần a b c d"
)
_ENGLISH = _words(
    "i you we they is am are was were be the of for in on at to as like such what have has "
    "had get got make need want just not very lot little bit few good great nice big new "
    "day time game song movie video man girl boy fan friend year week"
)
_TAO_MAY = _words("t tao tau m mày mầy")
_TO_CAU = _words("tớ cậu")
_BAN = _words("b bạn bn cậu")
_NEGATION = _words("không chưa chẳng chả đâu")
_PRONOUN = _words("t tôi tao tớ tui mình em e anh chị m mày nó ai")
# A following word that reads "đ" as the swear word, left as typed, not as "đi".
_D_SWEAR = _words("biết hiểu cần thích quan có phải muốn được sợ care thèm ưa thấy nói")
_QUANTITY = _words(
    "tuổi tiền người lâu ngày cái lần điểm năm tháng giờ h phút k km kg cm m đứa con bộ cân "
    "ký kí độ tập trang"
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_VOWEL = re.compile(r"[aeiouy]")

IN_CONTEXT: Dict[str, Tuple[Tuple[str, FrozenSet[str], str], ...]] = {
    # pronouns
    "t": (
        (NUMBER, frozenset(), KEEP),
        (WITH, _words("m mày mầy tao"), "tao"),
        (WITH, _words("c cậu"), "tớ"),
        (ALWAYS, frozenset(), "tôi"),
    ),
    "m": (
        (NUMBER, frozenset(), KEEP),  # "5 m": metres
        (WITH, _words("t tao tau"), "mày"),
        (WITH, _BAN, "mình"),
        (AFTER, _words("của cho giúp giùm dùm hộ"), "mình"),
        (ALWAYS, frozenset(), "mày"),
    ),
    "a": (
        (NUMBER, frozenset(), KEEP),
        (AFTER, _OPTION | _ENGLISH | _words("mình"), KEEP),  # "một mình a": à
        (BEFORE, _OPTION | _ENGLISH, KEEP),
        (LAST, _words("thật vậy thế sao hả rồi nhỉ hở không chưa đó đấy thiệt"), "à"),
        (LAST, _words("à á ạ ơi"), KEEP),
        (ALWAYS, frozenset(), "anh"),
    ),
    "b": (
        (NUMBER, frozenset(), KEEP),
        (AFTER, _OPTION, KEEP),
        (BEFORE, _OPTION, KEEP),
        (ALWAYS, frozenset(), "bạn"),
    ),
    "c": (
        (NUMBER, frozenset(), KEEP),
        (AFTER, _OPTION, KEEP),
        (BEFORE, _OPTION, KEEP),
        (WITH, _words("t tớ"), "cậu"),
        (ALWAYS, frozenset(), "chị"),
    ),
    "e": (
        (NUMBER, frozenset(), KEEP),
        (AFTER, _OPTION, KEEP),
        (ALWAYS, frozenset(), "em"),
    ),
    "n": (
        (NUMBER, frozenset(), KEEP),
        (BEFORE, _words("chuyện gì dối thật xấu nhảm linh"), "nói"),
        (
            BEFORE,
            _words(
                "bảo nói đánh chửi nhắn đang bị là có không k ko thích cũng còn sẽ mới vừa "
                "đã làm hỏi gọi kêu biết đi ăn ngủ học yêu ghét cứ lại chẳng chưa muốn đòi dọa "
                "doạ rủ"
            ),
            "nó",
        ),
        (
            AFTER,
            _words(
                "đánh chửi bảo với cho kệ của thấy gặp nhắn gọi chặn block thương yêu ghét "
                "thích nhớ hỏi giúp đợi chờ tin"
            ),
            "nó",
        ),
        (ALWAYS, frozenset(), KEEP),
    ),
    # little words
    "k": ((NUMBER, frozenset(), KEEP), (ALWAYS, frozenset(), "không")),
    "h": ((ALWAYS, frozenset(), "giờ"),),
    "s": (
        (NUMBER, frozenset(), KEEP),
        (AFTER, _OPTION, KEEP),
        (ALWAYS, frozenset(), "sao"),
    ),
    "v": ((NUMBER, frozenset(), KEEP), (ALWAYS, frozenset(), "vậy")),
    "đ": (
        (NUMBER, frozenset(), KEEP),  # "20 đ": đồng
        (BEFORE, _D_SWEAR, KEEP),
        (ALWAYS, frozenset(), "đi"),
    ),
    "tr": (
        (BEFORE, _words("ơi đất ạ à má mẹ hỡi"), "trời"),
        (LAST, frozenset(), "trời"),
        (ALWAYS, frozenset(), KEEP),
    ),
    # abbreviations
    "bt": (
        (AFTER, _words("làm giao chép nộp giải"), "bài tập"),
        (BEFORE, _words("về toán văn anh"), "bài tập"),
        (BEFORE, _words("gì j không ko k chưa rồi r ai đâu nữa là sao s hết luôn mà chứ"), "biết"),
        (AFTER, _NEGATION | _PRONOUN | _words("k ko có cũng đã mới ai"), "biết"),
        (ALWAYS, frozenset(), "bình thường"),
    ),
    "bn": (
        (BEFORE, _QUANTITY, "bao nhiêu"),
        (AFTER, _words("giá hết mất nặng cao được"), "bao nhiêu"),
        (ALWAYS, frozenset(), "bạn"),
    ),
    "kb": (
        (BEFORE, _words("nữa gì j sao s luôn làm đâu là nói ai thế hả đường"), "không biết"),
        (AFTER, _words("cũng còn vẫn thật chả chẳng"), "không biết"),
        (ALWAYS, frozenset(), "kết bạn"),
    ),
    "nc": (
        (AFTER, _words("uống ly cốc chai bình tắm đổ rót tưới bơi ngập khát"), "nước"),
        (BEFORE, _words("ngoài mắm ngọt hoa chấm đá lọc suối mưa"), "nước"),
        (ALWAYS, frozenset(), "nói chuyện"),
    ),
    "bh": (
        (AFTER, _words("đến tới từ chừng"), "bao giờ"),
        (ALWAYS, frozenset(), "bây giờ"),
    ),
    "sn": ((NUMBER_NEXT, frozenset(), "sinh năm"), (ALWAYS, frozenset(), "sinh nhật")),
    "gd": (
        (AFTER, _words("bộ sở phòng ngành nền"), "giáo dục"),
        (ALWAYS, frozenset(), "gia đình"),
    ),
    # southern and phonetic spellings that are also standard words
    "nhiu": ((AFTER, _words("bao"), "nhiêu"), (ALWAYS, frozenset(), "nhiều")),
    "dị": (
        (AFTER, _words("kì kỳ quái lạ"), KEEP),
        (
            BEFORE,
            _words(
                "ứng nhân thường dạng hợm biệt tật giáo bản hình hóa hoá nghị vật tộc đoan kì kỳ"
            ),
            KEEP,
        ),
        (ALWAYS, frozenset(), "vậy"),
    ),
    "dui": (
        (
            BEFORE,
            _words("quá ghê vẻ dẻ lắm ha hen nha thế vậy z v dữ không ko k hông á chưa"),
            "vui",
        ),
        (
            AFTER,
            _NEGATION
            | _words("k ko hông hok khum chúc rất thấy hết cho làm đang cũng vẫn thật quá đi"),
            "vui",
        ),
        (ALWAYS, frozenset(), KEEP),  # dùi, đùi typed without diacritics
    ),
    "hông": (
        (AFTER, _words("đau eo bên vòng mỡ xương sườn"), KEEP),  # the hip
        (ALWAYS, frozenset(), "không"),
    ),
    "bít": ((BEFORE, _words("tất lối kín cửa"), KEEP), (ALWAYS, frozenset(), "biết")),
    "hiu": (
        (BEFORE, _words("hiu quạnh hắt"), KEEP),
        (AFTER, _words("hiu"), KEEP),
        (ALWAYS, frozenset(), "hiểu"),
    ),
    "bùn": (
        (BEFORE, _words("lầy đất non"), KEEP),
        (AFTER, _words("đất vũng lội bùn"), KEEP),
        (ALWAYS, frozenset(), "buồn"),
    ),
}


@dataclass(frozen=True)
class Word:
    """One normalised word and the span of the original text it came from."""

    accented: str
    plain: str
    start: int
    end: int


# One token of a message: its span, its lower-cased and collapsed form (the teencode key),
# and what it reads as when the context does not matter (None: read it by IN_CONTEXT).
_Token = Tuple[int, int, str, Optional[Tuple[str, ...]]]
_BOUNDARY = ""  # the key of a token that ends a clause (punctuation, emoji, URL)


class Normaliser:
    def __init__(self, teencode: Mapping[str, str], emoji: Mapping[str, str]) -> None:
        self._teencode: Dict[str, Tuple[str, ...]] = {}
        for short, full in teencode.items():
            key = _key(unicodedata.normalize("NFC", str(short).lower()))
            self._teencode[key] = tuple(unicodedata.normalize("NFC", full.lower()).split())
        self._emoji: Dict[str, Tuple[str, ...]] = {}
        for symbol, words in emoji.items():
            key = "".join(ch for ch in str(symbol) if ch not in _SKIPPED)
            self._emoji[key] = tuple(unicodedata.normalize("NFC", words.lower()).split())
        self._keys: Dict[str, Tuple[str, Optional[Tuple[str, ...]]]] = {}

    @classmethod
    def from_content(cls, content_dir: Optional[Path] = None) -> "Normaliser":
        folder = content_dir or CONTENT_DIR
        return cls(_load_map(folder / "teencode.yml"), _load_map(folder / "emoji.yml"))

    def words(self, text: str) -> List[Word]:
        """The normalised words of ``text``, with their offsets in ``text``."""
        tokens = [self._token(match) for match in _TOKEN.finditer(text)]
        result: List[Word] = []
        register: Optional[FrozenSet[str]] = None
        for i, (start, end, key, reading) in enumerate(tokens):
            if reading is None:
                if register is None:
                    register = frozenset(token[2] for token in tokens)
                reading = _in_context(key, tokens, i, register - {key})
            for accented in reading:
                result.append(Word(accented, strip_diacritics(accented), start, end))
        return result

    def plain(self, text: str) -> str:
        """The whole text normalised and without diacritics, words separated by one space."""
        return " ".join(word.plain for word in self.words(text))

    def _token(self, match: "re.Match[str]") -> _Token:
        start, end = match.span()
        kind, raw = match.lastgroup, match.group()
        if kind == "word":
            key, reading = self._word(raw)
            return start, end, key, reading
        if kind == "url":
            return start, end, _BOUNDARY, (URL_WORD,)
        if kind == "handle":
            return start, end, HANDLE_WORD, (HANDLE_WORD,)
        if kind == "emoticon":
            return start, end, _BOUNDARY, (raw.lower(),)
        if raw in _SKIPPED or unicodedata.category(raw) in {"Sk", "Mn"}:
            return start, end, _BOUNDARY, ()
        return start, end, _BOUNDARY, self._emoji.get(raw, ())

    def _word(self, raw: str) -> Tuple[str, Optional[Tuple[str, ...]]]:
        known = self._keys.get(raw)
        if known is None:
            known = self._read_word(raw)
            if len(self._keys) > 50_000:  # a bounded cache: messages reuse few words
                self._keys.clear()
            self._keys[raw] = known
        return known

    def _read_word(self, raw: str) -> Tuple[str, Optional[Tuple[str, ...]]]:
        lowered = unicodedata.normalize("NFC", raw).lower()
        if _LAUGHTER.fullmatch(lowered):
            return lowered, (lowered,)
        key = _key(lowered)
        if len(key) == 1 < len(lowered):
            return key, (key,)  # "aaaa", "eeee": a cry, not the short form "a", "e"
        if key in IN_CONTEXT:
            return key, None
        return key, self._teencode.get(key, (key,))


def _key(lowered: str) -> str:
    """The teencode key of a lower-cased word: its repeated letters collapsed, except in a word
    without a vowel, an abbreviation whose letters may double ("ptth", "ff", "tt", "cc")."""
    if _VOWEL.search(strip_diacritics(lowered)) is None:
        return lowered
    return collapse_repeats(lowered)


def _neighbour(tokens: List[_Token], i: int, last: bool) -> str:
    """The word next to token i in its clause, as read without context ("" at a boundary)."""
    if not 0 <= i < len(tokens):
        return _BOUNDARY
    key, reading = tokens[i][2], tokens[i][3]
    if reading is None or key == _BOUNDARY:
        return key
    return reading[-1] if last else reading[0]


def _holds(
    condition: str, words: FrozenSet[str], tokens: List[_Token], i: int, register: FrozenSet[str]
) -> bool:
    if condition == ALWAYS:
        return True
    if condition == WITH:
        return not words.isdisjoint(register)
    following = _neighbour(tokens, i + 1, last=False)
    if condition == BEFORE:
        return following in words
    if condition == NUMBER_NEXT:
        return bool(_NUMBER.fullmatch(following))
    previous = _neighbour(tokens, i - 1, last=True)
    if condition == NUMBER:
        return bool(_NUMBER.fullmatch(previous))
    if condition == AFTER:
        return previous in words
    # LAST: the clause ends here (and, if words are listed, one of them comes before).
    return following == _BOUNDARY and (not words or previous in words)


def _in_context(
    key: str, tokens: List[_Token], i: int, register: FrozenSet[str]
) -> Tuple[str, ...]:
    for condition, words, reading in IN_CONTEXT[key]:
        if _holds(condition, words, tokens, i, register):
            return tuple(reading.split()) if reading else (key,)
    return (key,)


def _load_map(path: Path) -> Dict[str, str]:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of `form: words`")
    return {str(key): str(value) for key, value in data.items()}
