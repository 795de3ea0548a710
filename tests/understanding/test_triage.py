"""Intent, screen and confidence → action and risk, per TAXONOMY.md. The screen only raises."""

import pytest

from bot.understanding.classifier import Understanding
from bot.understanding.screen import Screening
from bot.understanding.taxonomy import Action, Intent, Risk
from bot.understanding.triage import triage

CALM = Screening(Risk.NONE)
HIGH = Screening(Risk.HIGH, ("nude_request",))
IMMINENT = Screening(Risk.IMMINENT, ("suicide_wish",))


def said(intent: Intent, confidence: float = 0.9, low: bool = False) -> Understanding:
    return Understanding(intent, confidence, ((intent, confidence),), low_confidence=low)


@pytest.mark.parametrize(
    ("understanding", "screening", "action", "risk"),
    [
        (said(Intent.CRISIS_SELF_HARM), CALM, Action.URGENT_HANDOFF, Risk.IMMINENT),
        (said(Intent.CRISIS_IMMEDIATE_DANGER), CALM, Action.URGENT_HANDOFF, Risk.IMMINENT),
        (said(Intent.REPORT_SEXUAL_ABUSE), CALM, Action.REPORT, Risk.HIGH),
        (said(Intent.REPORT_GROOMING), CALM, Action.REPORT, Risk.HIGH),
        (said(Intent.REPORT_TRAFFICKING), CALM, Action.REPORT, Risk.HIGH),
        (said(Intent.REPORT_SCAM), CALM, Action.REPORT, Risk.MEDIUM),
        (said(Intent.REPORT_BULLYING), CALM, Action.REPORT, Risk.MEDIUM),
        (said(Intent.REQUEST_COUNSELOR), CALM, Action.HANDOFF, Risk.MEDIUM),
        (said(Intent.ASK_ONLINE_SAFETY), CALM, Action.ADVICE, Risk.NONE),
        (said(Intent.ASK_HOTLINE_INFO), CALM, Action.INFO, Risk.NONE),
        (said(Intent.BOT_CHALLENGE), CALM, Action.INFO, Risk.NONE),
        (said(Intent.ASK_CONFIDENTIALITY), CALM, Action.INFO, Risk.NONE),
        (said(Intent.GREET), CALM, Action.SMALLTALK, Risk.NONE),
        (said(Intent.DENY), CALM, Action.SMALLTALK, Risk.NONE),
        (said(Intent.OUT_OF_SCOPE), CALM, Action.FALLBACK, Risk.NONE),
        # low confidence: the menu, except a possible report or crisis
        (said(Intent.GREET, 0.2, low=True), CALM, Action.FALLBACK, Risk.NONE),
        (said(Intent.REPORT_GROOMING, 0.3, low=True), CALM, Action.REPORT, Risk.HIGH),
        (said(Intent.CRISIS_SELF_HARM, 0.3, low=True), CALM, Action.URGENT_HANDOFF, Risk.IMMINENT),
        # the screen raises ...
        (said(Intent.OUT_OF_SCOPE), IMMINENT, Action.URGENT_HANDOFF, Risk.IMMINENT),
        (said(Intent.REPORT_BULLYING), IMMINENT, Action.URGENT_HANDOFF, Risk.IMMINENT),
        (said(Intent.GREET), HIGH, Action.REPORT, Risk.HIGH),
        (said(Intent.REPORT_SCAM), HIGH, Action.REPORT, Risk.HIGH),
        # ... and never lowers
        (said(Intent.CRISIS_SELF_HARM), HIGH, Action.URGENT_HANDOFF, Risk.IMMINENT),
        (said(Intent.REQUEST_COUNSELOR), HIGH, Action.HANDOFF, Risk.HIGH),
        # NLU down: the screen decides alone
        (Understanding.unavailable(), IMMINENT, Action.URGENT_HANDOFF, Risk.IMMINENT),
        (Understanding.unavailable(), HIGH, Action.REPORT, Risk.HIGH),
        (Understanding.unavailable(), CALM, Action.FALLBACK, Risk.NONE),
    ],
)  # fmt: skip
def test_triage(
    understanding: Understanding, screening: Screening, action: Action, risk: Risk
) -> None:
    verdict = triage(understanding, screening)
    assert (verdict.action, verdict.risk) == (action, risk)
    assert verdict.intent == understanding.intent
