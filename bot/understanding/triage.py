"""Turns an understanding and a screening into the action and risk of TAXONOMY.md."""

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


def model_action(understanding: Understanding) -> Action:
    """The action the model alone asks for.

    A low-confidence guess falls back to the menu, except a possible report or crisis: those
    go on to the report flow, whose first step asks "did I understand you?".
    """
    intent = understanding.intent
    if intent is None:
        return Action.FALLBACK
    if understanding.low_confidence and intent not in REPORT_INTENTS | CRISIS_INTENTS:
        return Action.FALLBACK
    return ACTION_BY_INTENT[intent]


def triage(understanding: Understanding, screening: Screening) -> Triage:
    action = model_action(understanding)
    raised = _SCREEN_ACTION.get(screening.level)
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
    if action in (Action.REPORT, Action.HANDOFF):
        return Risk.MEDIUM
    return Risk.NONE
