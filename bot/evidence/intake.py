"""Evidence items from a person's own words (the child's or the parent's lines of a case):
the links, usernames and phone-like strings bot.cases.extract finds, and bank account
numbers ("stk 0123456789"), each as an item the counselor sees without anyone retyping it.

A wide net, as in extract: a counselor reads the items and marks what is the reporter's own
data; an item already on the case (the same target or value) is not added twice.
"""

import logging
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from bot.cases import extract
from bot.cases.records import CaseRecords
from bot.evidence import targets
from bot.evidence.items import Draft, Evidence, Item
from bot.evidence.privacy import sessions_of

log = logging.getLogger(__name__)

PERSON = frozenset({"child", "parent"})
_BANK = re.compile(
    r"\b(?:stk|số tài khoản|so tai khoan|số tk|so tk|tài khoản ngân hàng|tk ngân hàng"
    r"|chuyển khoản vào|chuyển vào tk)\s*(?:ngân hàng\s*)?(?:là|la|:)?\s*(\d[\d .\-]{4,24}\d)",
    re.IGNORECASE,
)


def link_kind(link: str) -> str:
    """What a link points at: a profile, a clip, a post, a group, a channel, or other."""
    parts = urlsplit(link if "://" in link else "https://" + link)
    path = parts.path.lower()
    platform = targets.platform_of(link)
    host = targets.host_of(link)
    if platform in ("youtube",) and (host == "youtu.be" or "/watch" in path or "/shorts/" in path):
        return "clip"
    if "/video/" in path or "/reel/" in path or "/reels/" in path or "/videos/" in path:
        return "clip"
    if "/groups/" in path or (platform == "zalo" and path.startswith("/g/")):
        return "group"
    if platform in ("discord",) or (platform == "telegram" and "joinchat" in path):
        return "group"
    if platform in ("youtube", "telegram"):
        return "channel"
    if "/posts/" in path or "/p/" in path or "permalink" in path or "story.php" in path:
        return "post"
    if targets.link_account(link) is not None:
        return "profile"
    return "other"


def from_words(text: str, platform: str = "") -> list[Draft]:
    """The items in `text`: links first (the most telling), then usernames, phones and bank
    accounts. A username is taken to be on the case's platform (a game id on a game)."""
    found = extract.extract(text)
    banks = [re.sub(r"\D", "", m.group(1)) for m in _BANK.finditer(text)]
    drafts = [
        Draft(link_kind(link), link, targets.platform_of(link) or platform) for link in found.links
    ]
    name_kind = "game_id" if platform in targets.GAMES else "profile"
    drafts += [Draft(name_kind, name, platform) for name in found.usernames if name not in banks]
    drafts += [
        Draft("phone", phone) for phone in found.phones if re.sub(r"\D", "", phone) not in banks
    ]
    drafts += [Draft("bank_account", number) for number in dict.fromkeys(banks)]
    return [d.checked() for d in drafts if len(d.value) <= 300]


async def take(
    evidence: Evidence, case_id: int, lines: Iterable[tuple[str, str]], platform: str = ""
) -> list[Item]:
    """Items from the person's own lines (sender "child" or "parent"), entered by them; a
    username is on `platform`, or on the case's platform when none is given."""
    lines = list(lines)
    platform = platform or await evidence.case_platform(case_id)
    added: list[Item] = []
    for sender in sorted(PERSON):
        words = "\n".join(text for who, text in lines if who == sender)
        drafts = from_words(words, platform) if words.strip() else []
        if drafts:
            added += await evidence.add(case_id, drafts, sender, "bot", skip_known=True)
    return added


async def record(
    cases: CaseRecords, hash_key: bytes, case_id: int, lines: Iterable[tuple[str, str]],
    platform: str = "",
) -> int:  # fmt: skip
    """The turn's hook (bot.pipeline, after the transcript lines are saved): never raises,
    so a failure here never costs the child their answer; it is logged without any text."""
    try:
        added = await take(Evidence(sessions_of(cases), hash_key), case_id, lines, platform)
    except Exception as failed:  # noqa: BLE001 - the turn goes on whatever happened here
        log.error("evidence not recorded", extra={"error": type(failed).__name__})
        return 0
    if added:
        log.info("evidence recorded", extra={"items": len(added)})
    return len(added)
