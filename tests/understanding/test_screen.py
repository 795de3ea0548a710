"""The ranking rule: a crisis intent anywhere in the model's ranking above a small confidence."""

import pytest

from bot.understanding.classifier import Understanding
from bot.understanding.screen import SafetyScreen
from bot.understanding.taxonomy import Intent, Risk


def ranked(*pairs: tuple[Intent, float]) -> Understanding:
    return Understanding(intent=pairs[0][0], confidence=pairs[0][1], ranking=pairs)


@pytest.mark.parametrize(
    ("understanding", "level"),
    [
        (ranked((Intent.OUT_OF_SCOPE, 0.6), (Intent.CRISIS_SELF_HARM, 0.3)), Risk.IMMINENT),
        (ranked((Intent.REPORT_SCAM, 0.7), (Intent.CRISIS_IMMEDIATE_DANGER, 0.2)), Risk.IMMINENT),
        (ranked((Intent.OUT_OF_SCOPE, 0.9), (Intent.CRISIS_SELF_HARM, 0.05)), Risk.NONE),
        (ranked((Intent.GREET, 0.99), (Intent.THANK, 0.01)), Risk.NONE),
        (ranked((Intent.REPORT_DEFAMATION, 0.5), (Intent.REPORT_SEXUAL_ABUSE, 0.4)), Risk.HIGH),
        (ranked((Intent.REQUEST_COUNSELOR, 0.4), (Intent.REPORT_GROOMING, 0.35)), Risk.HIGH),
        (ranked((Intent.OUT_OF_SCOPE, 0.9), (Intent.REPORT_TRAFFICKING, 0.1)), Risk.NONE),
        (Understanding.unavailable(), Risk.NONE),
    ],
)  # fmt: skip
def test_crisis_in_ranking(
    screen: SafetyScreen, understanding: Understanding, level: Risk
) -> None:
    assert screen.screen("hôm nay trời đẹp", understanding).level is level


def test_the_screen_reads_the_text_even_when_the_nlu_is_down(screen: SafetyScreen) -> None:
    assert screen.screen("e muon tu tu", Understanding.unavailable()).level is Risk.IMMINENT
