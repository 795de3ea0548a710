"""What a person's own words give a counselor: an age ("12 tuổi", "lớp 7"), profile links,
usernames ("BoiCute99", "hoang.anh.2k3", "@name", "nick là hoanganh") and phone-like strings.

Pure text → `Found`, no model: a counselor reads and corrects the result, so a plain, wide
net is right; a missed account costs more than a wrong guess they strike out.
"""

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

KINDS = ("links", "usernames", "phones")
MAX_ITEMS = 20  # per kind: a pasted list does not grow a case without end
MAX_LENGTH = 200

_LINK = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+"
    r"|\b(?:m\.|web\.|vt\.|vm\.)?(?:facebook|fb|tiktok|instagram|youtube|youtu|zalo|twitter|x"
    r"|discord|roblox|threads|t)\.(?:com|be|me|gg|vn|net|co)/[^\s<>\"']*",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w@.])@([A-Za-z0-9_][A-Za-z0-9_.]{1,40})")
_NAMED = re.compile(
    r"\b(?:nick(?:name)?|tài khoản|tai khoan|tk|acc(?:ount)?|username|user|id|tên (?:fb|"
    r"facebook|zalo|tiktok|insta(?:gram)?|game)|ten (?:fb|facebook|zalo|tiktok))"
    r"(?:\s+(?:zalo|fb|facebook|tiktok|insta|instagram|game|messenger))?"
    r"(?:\s+(?:của nó|của em|của con|nó|em|mình|con|cháu))?"
    r"\s*(?:là|la|:|=)?\s*@?([A-Za-z0-9_][A-Za-z0-9_.]{2,40})",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"(?<![\w@/.])([A-Za-z0-9][A-Za-z0-9_.]{3,40}[A-Za-z0-9])(?![\w@/])")
_PHONE = re.compile(r"(?<![\d+])(?:\+\s?84|0084|0)(?:[\s.\-]?\d){8,10}(?![\d])")
_AGE = re.compile(r"(?<!\d)(\d{1,2})\s*(?:tuổi|tuoi|t\b)", re.IGNORECASE)
_THIS_YEAR = re.compile(r"năm nay\s*(?:cháu|con|bé|em|mình|tôi)?\s*(\d{1,2})(?!\d)")
_GRADE = re.compile(r"\b(?:lớp|lop)\s*(\d{1,2})(?!\d)", re.IGNORECASE)
NOT_NAMES = frozenset({
    "http", "https", "www", "facebook", "messenger", "zalo", "tiktok", "youtube", "instagram",
    "roblox", "freefire", "discord", "twitter", "iphone", "ipad", "android", "google", "gmail",
    "whatsapp", "telegram", "snapchat", "minecraft", "pubg", "covid19",
})  # fmt: skip


@dataclass
class Found:
    age: str = ""
    links: list[str] = field(default_factory=list)
    usernames: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.age or self.links or self.usernames or self.phones)

    def as_dict(self) -> dict[str, Any]:
        return {"age": self.age, "links": self.links, "usernames": self.usernames,
                "phones": self.phones}  # fmt: skip


def extract(text: str) -> Found:
    """Everything `text` gives, each value once, in the order written."""
    text = unicodedata.normalize("NFC", text or "")
    found = Found(age=_age(text))
    links = [m.group(0).rstrip(".,;:!?)]}") for m in _LINK.finditer(text)]
    found.links = _unique(links)
    rest = _LINK.sub(" ", text)
    names = [m.group(1) for m in _HANDLE.finditer(rest)]
    names += [m.group(1) for m in _NAMED.finditer(rest)]
    names += [m.group(1) for m in _TOKEN.finditer(rest) if _looks_like_username(m.group(1))]
    found.phones = _unique(re.sub(r"[^\d+]", "", m.group(0)) for m in _PHONE.finditer(rest))
    found.usernames = _unique(
        n.rstrip(".") for n in names
        if n.lower() not in NOT_NAMES and not n.replace(".", "").isdigit()
    )  # fmt: skip
    return found


def _age(text: str) -> str:
    for pattern, unit in ((_AGE, "tuổi"), (_THIS_YEAR, "tuổi"), (_GRADE, "lớp")):
        for match in pattern.finditer(text):
            number = int(match.group(1))
            if unit == "tuổi" and 1 <= number <= 25:
                return f"{number} tuổi"
            if unit == "lớp" and 1 <= number <= 12:
                return f"lớp {number}"
    return ""


def _looks_like_username(token: str) -> bool:
    """Letters and digits mixed ("BoiCute99"), words joined by dots or underscores
    ("hoang.anh.2k3"), or an inner capital ("BoiCute"): not how Vietnamese words are typed."""
    if not token.isascii():
        return False
    letters = sum(c.isalpha() for c in token)
    digits = sum(c.isdigit() for c in token)
    if letters < 2:
        return False
    joined = any(sep in token.strip("._") for sep in "._") and (
        digits > 0 or "_" in token or token.islower()
    )
    mixed = digits >= 1 and len(token) >= 5 and not re.fullmatch(r"\d+[a-z]{1,3}", token, re.I)
    camel = re.search(r"[a-z][A-Z]", token) is not None
    return joined or mixed or camel


def _unique(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for given in values:
        value = str(given).strip()[:MAX_LENGTH]
        if value and value.lower() not in (v.lower() for v in out):
            out.append(value)
    return out[:MAX_ITEMS]


# --- what a case keeps: the found values, and the ones a counselor struck out ------------------
def load(raw: str) -> dict[str, Any]:
    """A case's `found` column: {"age", "links", "usernames", "phones", "dismissed"}."""
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    out: dict[str, Any] = {"age": str(data.get("age") or "")}
    for kind in (*KINDS, "dismissed"):
        items = data.get(kind)
        out[kind] = [str(v) for v in items] if isinstance(items, list) else []
    return out


def merge(raw: str, found: Found) -> str:
    """The column with `found` added: new values only, never one a counselor struck out; an
    age only where none is known."""
    data = load(raw)
    dismissed = {str(v).lower() for v in data["dismissed"]}
    for kind in KINDS:
        new = [v for v in getattr(found, kind) if v.lower() not in dismissed]
        data[kind] = _unique([*data[kind], *new])
    if not data["age"] and found.age and found.age.lower() not in dismissed:
        data["age"] = found.age
    return json.dumps(data, ensure_ascii=False)


def corrected(raw: str, given: Found) -> str:
    """The column as a counselor set it: what they removed is remembered as struck out, so
    a later line from the person does not bring it back."""
    data = load(raw)
    gone = [
        v for kind in KINDS for v in data[kind]
        if v.lower() not in (g.lower() for g in getattr(given, kind))
    ]  # fmt: skip
    if data["age"] and data["age"] != given.age:
        gone.append(str(data["age"]))
    result = {**given.as_dict(), "dismissed": _unique([*data["dismissed"], *gone])}
    return json.dumps(result, ensure_ascii=False)


def public(raw: str) -> dict[str, Any]:
    """What the desk shows (without the struck-out list)."""
    data = load(raw)
    return {k: data[k] for k in ("age", *KINDS)}
