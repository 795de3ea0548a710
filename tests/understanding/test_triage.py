"""Intent, screen and confidence → action and risk, per TAXONOMY.md.

The model proposes and the text decides: a crisis reading needs crisis evidence in the text, a
text the model has no grounds for gets the menu; the screen only raises."""

from dataclasses import replace

import pytest

from bot.understanding.classifier import Understanding
from bot.understanding.screen import Screening
from bot.understanding.second_opinion import Shares
from bot.understanding.taxonomy import Action, Intent, Risk
from bot.understanding.triage import triage

CALM = Screening(Risk.NONE, evidence=("death_words",))  # evidence, but no phrase that raises
BARE = Screening(Risk.NONE)  # no crisis evidence in the words, a crisis to the second reader
ALONE = Screening(
    Risk.NONE, second_opinion=Shares(crisis=0.05)
)  # neither the words nor the second reader
NO_REPORT = Screening(Risk.NONE, second_opinion=Shares(report=0.01))
DOUBTED = Screening(Risk.NONE, evidence=("death_words",), second_opinion=Shares(crisis=0.05))
SAD = Screening(Risk.NONE, distress=("weary_of_life",))
NOVEL = Screening(Risk.NONE, evidence=("death_words",), coverage=0.2)
HIGH = Screening(Risk.HIGH, ("nude_request",))
IMMINENT = Screening(Risk.IMMINENT, ("suicide_wish",), evidence=("suicide_wish",))


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
        # ... unless the second reader sees no report either
        (said(Intent.REPORT_GROOMING, 0.3, low=True), NO_REPORT, Action.FALLBACK, Risk.NONE),
        (said(Intent.REPORT_GROOMING, 0.99), NO_REPORT, Action.FALLBACK, Risk.NONE),
        (said(Intent.REPORT_GROOMING, 0.99), replace(HIGH, second_opinion=Shares(report=0.01)),
         Action.REPORT, Risk.HIGH),  # a reviewed phrase raises whatever the readers say
        (said(Intent.CRISIS_SELF_HARM, 0.3, low=True), CALM, Action.URGENT_HANDOFF, Risk.IMMINENT),
        # a crisis reading without crisis evidence in the text: a check-in, never the queue
        (said(Intent.CRISIS_SELF_HARM, 0.99), BARE, Action.CHECK_IN, Risk.MEDIUM),
        (said(Intent.CRISIS_IMMEDIATE_DANGER), BARE, Action.CHECK_IN, Risk.MEDIUM),
        (said(Intent.CRISIS_SELF_HARM, 0.3, low=True), BARE, Action.CHECK_IN, Risk.MEDIUM),
        (said(Intent.CRISIS_SELF_HARM, 1.0), ALONE, Action.FALLBACK, Risk.NONE),
        (said(Intent.CRISIS_SELF_HARM, 1.0), DOUBTED, Action.CHECK_IN, Risk.MEDIUM),
        # no grounds: words the model never saw get the menu, whatever it guessed
        (said(Intent.CRISIS_SELF_HARM, 1.0), NOVEL, Action.FALLBACK, Risk.NONE),
        (said(Intent.REPORT_DEFAMATION), NOVEL, Action.FALLBACK, Risk.NONE),
        (said(Intent.GREET), NOVEL, Action.FALLBACK, Risk.NONE),
        # ambiguous distress: a check-in, unless the model found something more
        (said(Intent.OUT_OF_SCOPE), SAD, Action.CHECK_IN, Risk.MEDIUM),
        (said(Intent.GREET), SAD, Action.CHECK_IN, Risk.MEDIUM),
        (said(Intent.REPORT_BULLYING), SAD, Action.REPORT, Risk.MEDIUM),
        (said(Intent.REQUEST_COUNSELOR), SAD, Action.HANDOFF, Risk.MEDIUM),
        # the screen raises ...
        (said(Intent.OUT_OF_SCOPE), IMMINENT, Action.URGENT_HANDOFF, Risk.IMMINENT),
        (said(Intent.OUT_OF_SCOPE, 0.9), replace(IMMINENT, coverage=0.1), Action.URGENT_HANDOFF,
         Risk.IMMINENT),
        (said(Intent.REPORT_BULLYING), IMMINENT, Action.URGENT_HANDOFF, Risk.IMMINENT),
        (said(Intent.GREET), HIGH, Action.REPORT, Risk.HIGH),
        (said(Intent.REPORT_SCAM), HIGH, Action.REPORT, Risk.HIGH),
        # ... and never lowers
        (said(Intent.CRISIS_SELF_HARM), replace(HIGH, evidence=("harm_from_others",)),
         Action.URGENT_HANDOFF, Risk.IMMINENT),
        (said(Intent.CRISIS_SELF_HARM), HIGH, Action.REPORT, Risk.HIGH),  # no crisis evidence
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
