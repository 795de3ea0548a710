"""`make check-content` passes on content/ and catches what it promises to catch."""

import copy

from bot.content import Content
from bot.dialogue.check import check_content
from bot.settings import ROOT
from nlu.components.normaliser import Normaliser

NORMALISER = Normaliser.from_content()


def problems_after(change: str) -> list[str]:
    content = Content.load(ROOT / "content")
    tree = copy.deepcopy(content.tree)
    exec(change, {"tree": tree})  # noqa: S102 (a fixed edit written below)
    return check_content(Content(tree), NORMALISER)


def test_the_content_passes() -> None:
    assert check_content(Content.load(ROOT / "content"), NORMALISER) == []


def test_a_missing_parent_version_is_caught() -> None:
    found = problems_after("del tree['reports']['categories']['report_scam']['next']['parent']")
    assert any("report_scam.next" in p for p in found)


def test_a_long_button_title_is_caught() -> None:
    found = problems_after(
        "tree['reports']['common']['check_buttons']['yes'] = 'Đúng vậy, đúng rồi đó ạ'"
    )
    assert any("CHECK_YES" in p for p in found)


def test_an_empty_text_and_an_unknown_placeholder_are_caught() -> None:
    found = problems_after(
        "tree['info']['bot']['child'] = ' '\n"
        "tree['reports']['common']['ask_what']['child'] += ' {name}'"
    )
    assert any("info.bot" in p for p in found)
    assert any("unknown placeholders ['name']" in p for p in found)


def test_a_flow_end_without_the_way_to_a_person_is_caught() -> None:
    found = problems_after("tree['smalltalk']['goodbye']['child'] = 'Tạm biệt!'")
    assert any("smalltalk.goodbye" in p for p in found)


def test_a_childs_button_where_a_parent_sees_it_too_is_caught() -> None:
    found = problems_after(
        "tree['handoff']['left']['buttons'] = [{'title': 'Em cần giúp đỡ', 'payload': 'REPORT'}]"
    )
    assert any("handoff.left" in p and "Em cần giúp đỡ" in p for p in found)
