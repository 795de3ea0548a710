"""Long replies are cut at paragraph, then sentence, then word breaks, never over the limit."""

from bot.channels.text import split_text


def test_short_text_is_one_part() -> None:
    assert split_text("Chào em.") == ["Chào em."]
    assert split_text("   ") == []


def test_cut_at_paragraphs_first() -> None:
    first, second = "a" * 1500, "b" * 1500
    assert split_text(f"{first}\n\n{second}") == [first, second]


def test_cut_at_sentences_inside_a_long_paragraph() -> None:
    sentence = "Em hãy chụp màn hình tin nhắn. " * 100
    parts = split_text(sentence.strip(), limit=200)
    assert all(len(p) <= 200 for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == sentence.strip()


def test_a_huge_word_is_cut_hard() -> None:
    parts = split_text("x" * 4500)
    assert [len(p) for p in parts] == [2000, 2000, 500]
