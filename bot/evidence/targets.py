"""Repeat targets: one account, phone, bank account or link named in several cases.

What a person types is normalised per platform before it is compared: case, a leading @,
"www." and "m.", trailing slashes; tiktok.com/@name is @name on TikTok;
facebook.com/profile.php?id=… is that id; 0912…, +84912… and 84912… are one phone. Only an
HMAC of the normalised key (with the app's hash key) is stored, beside the value as a
counselor first saw it.
"""

import hashlib
import hmac
import re
from urllib.parse import parse_qs, urlsplit

HOSTS = {
    "facebook.com": "facebook", "fb.com": "facebook", "fb.me": "facebook",
    "messenger.com": "messenger", "m.me": "messenger", "zalo.me": "zalo", "chat.zalo.me": "zalo",
    "tiktok.com": "tiktok", "vt.tiktok.com": "tiktok", "vm.tiktok.com": "tiktok",
    "youtube.com": "youtube", "youtu.be": "youtube", "instagram.com": "instagram",
    "roblox.com": "roblox", "discord.com": "discord", "discord.gg": "discord",
    "t.me": "telegram", "telegram.me": "telegram", "twitter.com": "x", "x.com": "x",
    "threads.net": "threads",
}  # fmt: skip
GAMES = frozenset({"free_fire", "lien_quan", "roblox", "minecraft", "pubg"})
ACCOUNT_KINDS = frozenset({"profile", "channel", "group", "game_id"})
NOT_ACCOUNTS = frozenset({
    "share", "watch", "photo", "photo.php", "story.php", "permalink.php", "reel", "reels",
    "video", "videos", "p", "explore", "stories", "hashtag", "search", "login", "home.php",
    "messages", "events", "marketplace", "gaming", "tag", "music", "discover",
})  # fmt: skip
_HANDLE = re.compile(r"[a-z0-9_.\-]{2,80}")


def is_link(value: str) -> bool:
    text = value.strip().lower()
    return text.startswith(("http://", "https://", "www.")) or bool(
        re.match(r"^[a-z0-9\-]+(\.[a-z0-9\-]+)+/", text)
    )


def host_of(link: str) -> str:
    """The host without "www.", "m.", "mobile.", "web." (the same site)."""
    parts = urlsplit(link if "://" in link else "https://" + link)
    host = (parts.hostname or "").lower()
    for prefix in ("www.", "m.", "mobile.", "web.", "mbasic."):
        if host.startswith(prefix) and host.count(".") > 1:
            host = host[len(prefix) :]
    return host


def platform_of(link: str) -> str:
    """The platform a link belongs to ("tiktok", "facebook"…), "" when not known."""
    return HOSTS.get(host_of(link), "")


def phone_key(value: str) -> str:
    """A Vietnamese phone as 0 + its national number: "+84 912…", "84912…", "0084…"."""
    digits = re.sub(r"\D", "", value)
    if digits.startswith("0084"):
        digits = "0" + digits[4:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if 9 <= len(digits) <= 11 and digits.startswith("0") else ""


def _facebook(path: list[str], query: str) -> str | None:
    first, second = _at(path, 0), _at(path, 1)
    if first == "profile.php":
        ids = parse_qs(query).get("id", [""])
        return ids[0] if ids[0].isdigit() else None
    if first == "groups" and second:
        return "group/" + second
    if first == "people" and _at(path, 2).isdigit():
        return _at(path, 2)
    return _named(first)


def _tiktok(path: list[str], query: str) -> str | None:
    first = _at(path, 0)
    return first[1:] if first.startswith("@") and len(first) > 1 else None


def _youtube(path: list[str], query: str) -> str | None:
    first, second = _at(path, 0), _at(path, 1)
    if first in ("channel", "c", "user") and second:
        return second
    return _tiktok(path, query)


def _zalo(path: list[str], query: str) -> str | None:
    first, second = _at(path, 0), _at(path, 1)
    if first == "g" and second:
        return "group/" + second
    return phone_key(first) or None


def _roblox(path: list[str], query: str) -> str | None:
    return _at(path, 1) if _at(path, 0) == "users" and _at(path, 1).isdigit() else None


def _discord(path: list[str], query: str) -> str | None:
    code = _at(path, 1) if _at(path, 0) == "invite" else _at(path, 0)
    return "invite/" + code if code else None


def _plain(path: list[str], query: str) -> str | None:
    return _named(_at(path, 0))


def _at(path: list[str], index: int) -> str:
    return path[index].lower() if len(path) > index else ""


def _named(first: str) -> str | None:
    name = first.lstrip("@")
    return None if first in NOT_ACCOUNTS or not _HANDLE.fullmatch(name) else name


ACCOUNT_IN_PATH = {
    "facebook": _facebook, "tiktok": _tiktok, "youtube": _youtube, "zalo": _zalo,
    "roblox": _roblox, "discord": _discord, "instagram": _plain, "x": _plain,
    "telegram": _plain, "threads": _plain, "messenger": _plain,
}  # fmt: skip


def link_account(link: str) -> tuple[str, str] | None:
    """The (platform, account) a link names, if it names one."""
    parts = urlsplit(link if "://" in link else "https://" + link)
    platform = platform_of(link)
    reader = ACCOUNT_IN_PATH.get(platform)
    if reader is None or (
        platform == "discord"
        and host_of(link) == "discord.com"
        and _at([p for p in parts.path.split("/") if p], 0) != "invite"
    ):
        return None
    account = reader([p for p in parts.path.split("/") if p], parts.query)
    return (platform, account) if account else None


def link_key(link: str) -> str:
    """A link that names no account: its host and path (query and fragment dropped)."""
    parts = urlsplit(link if "://" in link else "https://" + link)
    return f"link:{host_of(link)}{parts.path.rstrip('/')}"


def target_of(kind: str, platform: str, value: str) -> tuple[str, str, str] | None:
    """(key, target kind, platform) of an item, or None when it names nothing to compare
    (a message, a handle that is not one)."""
    value = value.strip()
    if not value:
        return None
    if kind == "phone":
        phone = phone_key(value)
        return (f"phone:{phone}", "phone", "") if phone else None
    if kind == "bank_account":
        digits = re.sub(r"\D", "", value)
        return (f"bank:{digits}", "bank_account", "") if 6 <= len(digits) <= 20 else None
    if is_link(value):
        found = link_account(value)
        if found:
            return f"account:{found[0]}:{found[1]}", "account", found[0]
        return link_key(value), "link", platform_of(value)
    if kind not in ACCOUNT_KINDS:
        return None
    name = value.lstrip("@").lower()
    if not _HANDLE.fullmatch(name):
        return None
    return f"account:{platform}:{name}", "account", platform


def keyed(hash_key: bytes, key: str) -> str:
    return hmac.new(hash_key, f"evidence-target:{key}".encode(), hashlib.sha256).hexdigest()
