"""The Vietnamese normaliser shared by the Rasa tokenizer and the safety screen."""

import pytest

from nlu.components.normaliser import Normaliser, collapse_repeats, strip_diacritics


@pytest.fixture(scope="module")
def normaliser() -> Normaliser:
    return Normaliser.from_content()


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("e bị ng lạ đòi gửi ảnh nóng ko gửi thì nó tung clip 😭",
         "em bi nguoi la doi gui anh nong khong gui thi no tung clip khoc"),
        ("ny cũ của e đăng ảnh lên fb", "nguoi yeu cu cua em dang anh len facebook"),
        ("mk ko bik lm j", "minh khong biet lam gi"),
        ("khumm dc đâu", "khong duoc dau"),
        ("ĐÃ ĐI ĐÂU ĐÓ", "da di dau do"),
        ("Đường đi đến trường", "duong di den truong"),
        ("chếttttt mất", "chet mat"),
        ("cứuuuu emmmm", "cuu em"),
        ("sợ quáaaa", "so qua"),
        ("nồi xoong", "noi xoong"),
        ("💊💊 🔪 🩸", "thuoc thuoc dao mau"),
        ("👍🏻", "ok"),
        ("xem https://www.tiktok.com/@abc/video/1 nha @be_na", "xem url nha username"),
    ],
)  # fmt: skip
def test_plain_form(normaliser: Normaliser, text: str, plain: str) -> None:
    assert normaliser.plain(text) == plain


def test_decomposed_input_reads_like_composed(normaliser: Normaliser) -> None:
    import unicodedata

    composed = "em muốn chết"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert normaliser.plain(decomposed) == normaliser.plain(composed) == "em muon chet"


def test_offsets_point_at_the_original_text(normaliser: Normaliser) -> None:
    text = "Ny tao nhắn 😭😭 trên FB"
    words = normaliser.words(text)
    assert [(w.plain, text[w.start : w.end]) for w in words] == [
        ("nguoi", "Ny"),
        ("yeu", "Ny"),
        ("tao", "tao"),
        ("nhan", "nhắn"),
        ("khoc", "😭"),
        ("khoc", "😭"),
        ("tren", "trên"),
        ("facebook", "FB"),
    ]


def test_accented_form_is_kept_for_every_word(normaliser: Normaliser) -> None:
    assert [w.accented for w in normaliser.words("Từ từ đã, ko vội")] == [
        "từ", "từ", "đã", "không", "vội",
    ]  # fmt: skip


def test_unknown_symbols_are_dropped(normaliser: Normaliser) -> None:
    assert normaliser.plain("🦄 ✨") == ""


def test_d_with_stroke_becomes_d() -> None:
    assert strip_diacritics("Đỗ đạt") == "Do dat"


@pytest.mark.parametrize(
    ("word", "collapsed"),
    [("cứuuu", "cứu"), ("cuuuu", "cuu"), ("luu", "luu"), ("lưu", "lưu"), ("rượu", "rượu"),
     ("xoong", "xoong"), ("okkk", "ok"), ("quáaa", "quá"), ("khummm", "khum"), ("123", "123")],
)  # fmt: skip
def test_collapse_repeats(word: str, collapsed: str) -> None:
    assert collapse_repeats(word) == collapsed
