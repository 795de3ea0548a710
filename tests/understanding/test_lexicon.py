"""Every lexicon entry fires in every spelling it lists; no idiom of the exception list does."""

from pathlib import Path

import pytest
import yaml

from bot.understanding.screen import SafetyScreen
from bot.understanding.taxonomy import Risk

LEXICON = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "content" / "safety" / "lexicon.yml").read_text("utf-8")
)
ENTRIES = [
    pytest.param(level, entry["id"], phrase, id=f"{entry['id']}:{phrase}")
    for level in ("imminent", "high")
    for entry in LEXICON[level]
    for phrase in entry["phrases"]
]
LEVEL = {"imminent": Risk.IMMINENT, "high": Risk.HIGH}


@pytest.mark.parametrize(("level", "concept", "phrase"), ENTRIES)
def test_every_spelling_fires_alone_and_in_a_sentence(
    screen: SafetyScreen, level: str, concept: str, phrase: str
) -> None:
    alone = screen.screen(phrase)
    in_sentence = screen.screen(f"tối qua {phrase} thật đó")
    for screening in (alone, in_sentence):
        assert concept in screening.concepts
        assert screening.level in (LEVEL[level], Risk.IMMINENT)


@pytest.mark.parametrize("idiom", LEXICON["exceptions"])
def test_idioms_do_not_fire(screen: SafetyScreen, idiom: str) -> None:
    assert screen.screen(idiom).level is Risk.NONE
    assert screen.screen(f"hôm nay {idiom} haha").level is Risk.NONE


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("e muốn chết 😭", Risk.IMMINENT),
        ("e mun chet", Risk.IMMINENT),
        ("EM MUỐNNN CHẾTTTT", Risk.IMMINENT),
        ("k muon song nua", Risk.IMMINENT),
        ("t định tự tử tối nay", Risk.IMMINENT),
        ("từ từ đã, tớ đang ăn", Risk.NONE),  # "slowly": never read as tự tử
        ("đói muốn chết, ăn gì giờ", Risk.NONE),
        ("buồn cười chết mất 😂", Risk.NONE),
        ("ng lạ đòi e gửi ảnh nóng", Risk.HIGH),
        ("chào bạn", Risk.NONE),
    ],
)  # fmt: skip
def test_typical_messages(screen: SafetyScreen, text: str, level: Risk) -> None:
    assert screen.screen(text).level is level


def test_an_idiom_does_not_hide_a_real_crisis_in_the_same_message(screen: SafetyScreen) -> None:
    assert screen.screen("đói muốn chết. mà thật ra em muốn chết thật").level is Risk.IMMINENT
