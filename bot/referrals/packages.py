"""Export packages in the shapes the response network already reads, each one JSON document
whose SHA-256 (over the exact bytes attached or downloaded) is recorded with an audit entry:

* "cybertipline": a CyberTipline-style structured report — incident type (mapped from the
  111 categories, docs/referrals.md), the reason to escalate to high priority, the reported
  person's screen names, profile URLs and service, web-page and chat incident details. Never
  a file: the child keeps the screenshots.
* "zalo_notice": the text of a legal notice to Zalo — subject, the claimant's details left
  blank for the parent to fill, the violation, links and times.
* "url_report": a plain list of links and accounts for a platform or vn-cop.vn.

What goes in is chosen before this module sees it (bot.referrals.service): evidence items a
counselor marked as the reporter's own data are left out, the child's platform ids are never
among them, and the child's words appear only as the counselor's summary.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.cases.stats import LOCAL

FORMAT = "111-referral/1"
ORGANISATION = "Tổng đài quốc gia bảo vệ trẻ em 111"
# 111 categories → CyberTipline incident types (docs/referrals.md). A category not here has
# no CyberTipline type: its referrals go as a URL report or a Zalo notice.
INCIDENT_TYPES = {
    "report_sexual_abuse": "Child Pornography (possession, manufacture, and distribution)",
    "report_grooming": "Online Enticement of Children for Sexual Acts",
    "report_trafficking": "Child Sex Trafficking",
}
PERSON_KINDS = frozenset({"profile", "channel", "game_id", "group"})
PAGE_KINDS = frozenset({"post", "clip", "channel", "group", "profile", "other"})
BLANK = "...................................................."


@dataclass(frozen=True, slots=True)
class Source:
    """What a package may say about a case (chosen and cleaned by the caller)."""

    reference: str  # "111-R<referral id>", never a platform id
    recipient: str
    categories: list[str]
    platform: str
    reported_at: datetime
    summary: str = ""  # what the counselor chose to pass on of the child's words
    priority_reason: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)  # evidence items (see item())


@dataclass(frozen=True, slots=True)
class Package:
    shape: str
    body: bytes  # the JSON document, exactly as attached or downloaded
    sha256: str
    text: str  # the human-readable summary (the e-mail's text)

    @property
    def filename(self) -> str:
        return f"{self.shape}-{self.sha256[:12]}.json"


def item(seq: int, kind: str, value: str, platform: str = "", name: str = "",
         first_seen: str = "", last_seen: str = "", captured_at: str = "",
         source: str = "reporter", chain_hash: str = "") -> dict[str, Any]:  # fmt: skip
    """One evidence item as packages carry it (no actor names, no reporter's data)."""
    return {"seq": seq, "kind": kind, "value": value, "platform": platform, "name": name,
            "first_seen": first_seen, "last_seen": last_seen, "captured_at": captured_at,
            "source": source, "chain_hash": chain_hash}  # fmt: skip


def incident_type(categories: list[str]) -> str:
    """The CyberTipline incident type of the first category that has one, or ""."""
    return next((INCIDENT_TYPES[c] for c in categories if c in INCIDENT_TYPES), "")


def local(at: datetime) -> str:
    return at.astimezone(LOCAL).strftime("%d/%m/%Y %H:%M")


def is_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://", "www."))


def build(shape: str, source: Source, words: dict[str, Any], made_at: datetime) -> Package:
    """ValueError("no_incident_type") for a CyberTipline report of a case that has none,
    ValueError("shape") for an unknown shape."""
    names = words["categories"]
    head = {
        "format": FORMAT, "shape": shape, "reference": source.reference,
        "created_at": made_at.isoformat(timespec="seconds"),
        "from": {"organisation": ORGANISATION}, "to": source.recipient,
        "files": [],  # never: no image or file is received or kept
    }  # fmt: skip
    if shape == "cybertipline":
        document, text = _cybertipline(source, names, words["referrals"]["package"])
    elif shape == "zalo_notice":
        document, text = _zalo_notice(source, names, words["referrals"]["notice"])
    elif shape == "url_report":
        document, text = _url_report(source, names, words["referrals"]["package"])
    else:
        raise ValueError("shape")
    body = json.dumps({**head, **document}, ensure_ascii=False, indent=2, sort_keys=True)
    data = (body + "\n").encode("utf-8")
    return Package(shape, data, hashlib.sha256(data).hexdigest(), text)


def _cybertipline(
    source: Source, names: dict[str, str], said: dict[str, str]
) -> tuple[dict[str, Any], str]:
    kind = incident_type(source.categories)
    if not kind:
        raise ValueError("no_incident_type")
    people = [
        {"espService": i["platform"] or source.platform, "screenName": i["value"]
         if not is_url(i["value"]) else i["name"], "displayName": i["name"],
         "profileUrl": i["value"] if is_url(i["value"]) else ""}
        for i in source.items if i["kind"] in PERSON_KINDS
    ]  # fmt: skip
    pages = [i["value"] for i in source.items if i["kind"] in PAGE_KINDS and is_url(i["value"])]
    chats = [
        {"chatClient": i["platform"] or source.platform, "screenName": i["value"],
         "firstSeen": i["first_seen"], "lastSeen": i["last_seen"]}
        for i in source.items if i["kind"] == "chat"
    ]  # fmt: skip
    document = {
        "incidentSummary": {
            "incidentType": kind,
            "escalateToHighPriority": source.priority_reason or None,
            "reportedToHotlineAt": source.reported_at.isoformat(timespec="seconds"),
            "categories111": source.categories,
        },
        "internetDetails": {
            "webPageIncident": {"url": pages},
            "chatImIncident": chats,
        },
        "reportedPerson": people,
        "additionalInformation": source.summary,
        "evidence": source.items,
    }
    lines = [
        f"{said['reference']}: {source.reference}",
        f"{said['incident_type']}: {kind}",
        f"{said['categories']}: {_names(source.categories, names)}",
        f"{said['platform']}: {source.platform or '-'}",
        f"{said['reported_at']}: {local(source.reported_at)}",
    ]
    if source.priority_reason:
        lines.append(f"{said['high_priority']}: {source.priority_reason}")
    return document, _text(lines, source, said)


def _zalo_notice(
    source: Source, names: dict[str, str], said: dict[str, str]
) -> tuple[dict[str, Any], str]:
    subject = said["subject"].format(reference=source.reference)
    claimant = [f"  {label}: {BLANK}" for label in said["claimant_fields"]]
    links = [_line(i) for i in source.items] or ["  -"]
    text = "\n".join([
        f"{said['subject_label']}: {subject}", "", said["claimant"], *claimant, "",
        f"{said['violation']}: {_names(source.categories, names)}",
        *([f"{said['summary']}: {source.summary}"] if source.summary else []), "",
        said["links"], *links, "",
        f"{said['times']}: {local(source.reported_at)}", "", said["request"], "", said["closing"],
    ])  # fmt: skip
    document = {
        "subject": subject,
        "claimant": {label: "" for label in said["claimant_fields"]},
        "violation": [names.get(c, c) for c in source.categories],
        "links": [i["value"] for i in source.items],
        "reported_at": source.reported_at.isoformat(timespec="seconds"),
        "summary": source.summary,
        "text": text,
        "evidence": source.items,
    }
    return document, text


def _url_report(
    source: Source, names: dict[str, str], said: dict[str, str]
) -> tuple[dict[str, Any], str]:
    document = {
        "urls": [i["value"] for i in source.items if is_url(i["value"])],
        "accounts": [
            {"platform": i["platform"] or source.platform, "value": i["value"], "name": i["name"]}
            for i in source.items if not is_url(i["value"])
        ],
        "categories111": source.categories,
        "reported_at": source.reported_at.isoformat(timespec="seconds"),
        "summary": source.summary,
        "evidence": source.items,
    }  # fmt: skip
    lines = [
        f"{said['reference']}: {source.reference}",
        f"{said['categories']}: {_names(source.categories, names)}",
        f"{said['platform']}: {source.platform or '-'}",
        f"{said['reported_at']}: {local(source.reported_at)}",
    ]
    return document, _text(lines, source, said)


def _names(categories: list[str], names: dict[str, str]) -> str:
    return "; ".join(names.get(c, c) for c in categories) or "-"


def _line(i: dict[str, Any]) -> str:
    seen = " – ".join(s for s in (i["first_seen"], i["last_seen"]) if s)
    extra = f" ({i['name']})" if i["name"] else ""
    return f"  - {i['value']}{extra}" + (f" [{seen}]" if seen else "")


def _text(lines: list[str], source: Source, said: dict[str, str]) -> str:
    items = [_line(i) for i in source.items] or ["  -"]
    summary = [f"{said['summary']}: {source.summary}"] if source.summary else []
    return "\n".join([*lines, *summary, "", said["items"], *items, "", said["attached"],
                      said["no_files"]])  # fmt: skip
