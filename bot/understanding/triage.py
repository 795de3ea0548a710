"""Turns an understanding and a screening into the action and risk of TAXONOMY.md.

The model proposes, the text decides:
* no grounds (a text mostly of words the model never saw) → the menu, whatever it guessed;
* a crisis intent → urgent_handoff only with crisis evidence in the text that a second reader
  of the training data agrees with; a check-in when only one of them does; else the
  menu (the model alone, against the other reader and the words, is no ground);
* a report reading (even a low-confidence one: the report flow's first step asks "did I
  understand you?") stands when the second reader sees a report too, else the menu;
* any other low-confidence guess → the menu;
* then the screen may raise: imminent → urgent_handoff, high → report, distress → check-in.
"""

from dataclasses import dataclass

from bot.understanding.classifier import Understanding
from bot.understanding.screen import Screening
from bot.understanding.taxonomy import (
    ACTION_BY_INTENT,
    CRISIS_INTENTS,
    HIGH_RISK_INTENTS,
    REPORT_INTENTS,
    SEVERITY,
    Action,
    Intent,
    Risk,
)

_SCREEN_ACTION = {Risk.IMMINENT: Action.URGENT_HANDOFF, Risk.HIGH: Action.REPORT}


@dataclass(frozen=True, slots=True)
class Triage:
    intent: Intent | None
    confidence: float
    action: Action
    risk: Risk


def model_action(understanding: Understanding, screening: Screening) -> Action:
    """The action the model asks for, as far as the text supports it."""
    intent = understanding.intent
    if intent is None or screening.novel:
        return Action.FALLBACK
    if intent in CRISIS_INTENTS:
        if screening.crisis_supported:
            return Action.URGENT_HANDOFF
        doubt = screening.crisis_like or bool(screening.evidence)
        return Action.CHECK_IN if doubt else Action.FALLBACK
    if intent in REPORT_INTENTS:
        return Action.REPORT if screening.report_like else Action.FALLBACK
    if understanding.low_confidence:
        return Action.FALLBACK
    return ACTION_BY_INTENT[intent]


def screen_action(screening: Screening) -> Action | None:
    raised = _SCREEN_ACTION.get(screening.level)
    if raised is None and screening.distress:
        return Action.CHECK_IN
    return raised


def triage(understanding: Understanding, screening: Screening) -> Triage:
    action = model_action(understanding, screening)
    raised = screen_action(screening)
    if raised is not None and SEVERITY[raised] > SEVERITY[action]:
        action = raised
    return Triage(
        understanding.intent,
        understanding.confidence,
        action,
        _risk(action, understanding, screening),
    )


def _risk(action: Action, understanding: Understanding, screening: Screening) -> Risk:
    if action is Action.URGENT_HANDOFF:
        return Risk.IMMINENT
    if screening.level is Risk.HIGH or (
        action is Action.REPORT and understanding.intent in HIGH_RISK_INTENTS
    ):
        return Risk.HIGH
    if action in (Action.REPORT, Action.HANDOFF, Action.CHECK_IN):
        return Risk.MEDIUM
    return Risk.NONE
