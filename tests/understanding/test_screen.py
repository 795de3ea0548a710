"""The ranking rules: a crisis intent in the model's ranking stands only with crisis evidence in
the text; a high-risk intent in the ranking raises unless the text is novel to the model."""

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
        # the winner is no harm, and the second reader hears no grooming in these words
        (ranked((Intent.REQUEST_COUNSELOR, 0.4), (Intent.REPORT_GROOMING, 0.35)), Risk.NONE),
        (ranked((Intent.OUT_OF_SCOPE, 0.9), (Intent.REPORT_TRAFFICKING, 0.1)), Risk.NONE),
        (Understanding.unavailable(), Risk.NONE),
    ],
)  # fmt: skip
def test_ranking_with_crisis_evidence(
    screen: SafetyScreen, understanding: Understanding, level: Risk
) -> None:
    assert screen.screen("có người lạ cứ nhìn em mãi", understanding).level is level


@pytest.mark.parametrize(
    "text",
    [
        "vẫn đang tiếp diễn",  # an answer to "still happening?", not a crisis
        "cô ấy đang xem gì đó",
        "Dễ thương thiệt",
        "chết cười với thằng bạn cùng bàn",
        "deadline dí chết mất huhu",
        "tui chết mê chết mệt idol này luôn",
        "lỗi tại thằng quay phim . cắt không đúng lúc",
        "mẹ đi ngầu chết mẹ đi được chứ kì quặc gì =))))",
    ],
)
def test_a_crisis_in_the_ranking_without_evidence_raises_nothing(
    screen: SafetyScreen, text: str
) -> None:
    certain = ranked((Intent.CRISIS_SELF_HARM, 0.97), (Intent.OUT_OF_SCOPE, 0.03))
    screening = screen.screen(text, certain)
    assert (screening.level, screening.evidence) == (Risk.NONE, ())


@pytest.mark.parametrize(
    ("text", "distress"),
    [
        ("chán đời quá", ("weary_of_life",)),
        ("chẳng biết sau này đi về đâu", ("weary_of_life",)),
        ("ai sẽ cùng tôi mang nỗi đau này", ("sadness",)),
        ("mệt mỏi lắm rồi", ("weary_of_life",)),
        ("met moi lam roi", ("weary_of_life",)),
        ("hôm nay học mệt ghê", ()),
    ],
)
def test_ambiguous_distress(screen: SafetyScreen, text: str, distress: tuple[str, ...]) -> None:
    screening = screen.screen(text)
    assert (screening.level, screening.distress) == (Risk.NONE, distress)


def test_the_screen_reads_the_text_even_when_the_nlu_is_down(screen: SafetyScreen) -> None:
    assert screen.screen("e muon tu tu", Understanding.unavailable()).level is Risk.IMMINENT
