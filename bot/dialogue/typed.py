"""Typed answers: what a person types where the bot asked a question, read as the button it
means (its number, its title, "em là học sinh", "vẫn đang tiếp diễn", "có"). Pure."""

from typing import TYPE_CHECKING

from bot.dialogue.buttons import QUESTIONS
from bot.dialogue.table import State
from bot.store.sessions import Session
from bot.understanding.taxonomy import Action, Intent

if TYPE_CHECKING:
    from bot.dialogue.engine import Turn


def title(session: Session, turn: "Turn") -> str:
    """A typed answer where buttons were offered: its number (Zalo lists them numbered), its
    title, or the start of its title in two words or more."""
    offered = session.slots.get("offered") or []
    plain = turn.plain.strip()
    if not offered or not plain:
        return ""
    if plain.isdigit() and 1 <= int(plain) <= len(offered):
        return str(offered[int(plain) - 1][1])
    for title, payload in offered:
        if plain == title or (len(plain.split()) >= 2 and f"{title} ".startswith(f"{plain} ")):
            return str(payload)
    return ""


def onboarding(session: Session, turn: "Turn") -> str:
    """ "em là học sinh", "tôi là mẹ cháu", "em 14 tuổi" where the bot asked who or how old."""
    if not short_or_routine(turn):
        return ""  # "con tôi 12 tuổi bị…": a report, not only an answer
    if session.state == State.AUDIENCE and turn.audience:
        if turn.audience == "child" and turn.age_band:
            return f"AGE:{turn.age_band}"  # "em 14 tuổi": a child, and the age: both answered
        return "AUDIENCE_PARENT" if turn.audience == "parent" else "AUDIENCE_CHILD"
    if session.state in (State.AUDIENCE, State.AGE) and turn.age_band:
        return f"AGE:{turn.age_band}"
    return ""


def answer(session: Session, turn: "Turn") -> str:
    """The button a typed answer to the current question means ("vẫn đang tiếp diễn" for
    "Vẫn đang xảy ra"), unless a longer text is plainly about something else."""
    if not turn.answer or session.state not in QUESTIONS:
        return ""
    if turn.action is Action.INFO or question(turn.plain):
        return ""  # "gọi 111 có mất tiền không" asks; its "không" answers nothing
    return turn.answer if short_or_routine(turn) else ""


_ASKING_WORDS = ("bao nhieu", "the nao", "tai sao", "vi sao", "lam sao", "o dau", "khi nao")
_NO = frozenset({"khong", "ko", "k", "hong", "hok", "kg"})


def question(plain: str) -> bool:
    """A question of the person's own: "…?", "có … không", "bao nhiêu", "thế nào"…"""
    words = plain.replace("?", " ? ").split()
    if "?" in words:
        return True
    if len(words) >= 3 and words[-1] in _NO and "co" in words[:-1]:
        return True
    spaced = f" {' '.join(words)} "
    return any(f" {asking} " in spaced for asking in _ASKING_WORDS)


def short_or_routine(turn: "Turn") -> bool:
    routine = turn.action in (None, Action.FALLBACK, Action.SMALLTALK, Action.CHECK_IN)
    return routine or len(turn.plain.split()) <= 6


def yes_no(session: Session, turn: "Turn") -> str:
    """ "có", "ừ", "không"… where a yes/no question was asked."""
    offered = {str(payload) for _, payload in session.slots.get("offered") or []}
    yes_no = {
        Intent.AFFIRM: ("CHECK_YES", "ONGOING_YES", "CHECK_IN_YES"),
        Intent.DENY: ("CHECK_NO", "ONGOING_NO", "CHECK_IN_NO"),
    }
    choices = yes_no.get(turn.intent, ()) if turn.intent else ()
    return next((payload for payload in choices if payload in offered), "")
