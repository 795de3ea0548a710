"""The Vietnamese normaliser shared by the Rasa tokenizer and the safety screen."""

from pathlib import Path

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


# --- Teencode, southern spellings and short forms read by context ----------------------------


def accented(normaliser: Normaliser, text: str) -> str:
    return " ".join(word.accented for word in normaliser.words(text))


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        # single letters, by context
        ("t bảo m r mà", "tao bảo mày rồi mà"),
        ("m ơi t đói", "mày ơi tao đói"),
        ("t đang bận", "tôi đang bận"),
        ("mai t đi", "mai tôi đi"),
        ("t với c đi chơi ko", "tớ với cậu đi chơi không"),
        ("m làm j đấy", "mày làm gì đấy"),
        ("của m đây", "của mình đây"),
        ("m với b đi nha", "mình với bạn đi nha"),
        ("a ơi cho e hỏi", "anh ơi cho em hỏi"),
        ("ừ a biết r", "ừ anh biết rồi"),
        ("thật a", "thật à"),
        ("b có ny chưa", "bạn có người yêu chưa"),
        ("c ơi", "chị ơi"),
        ("e nhớ a", "em nhớ anh"),
        ("mấy h rồi", "mấy giờ rồi"),
        ("bây h đi đâu", "bây giờ đi đâu"),
        ("10 h gặp", "10 giờ gặp"),
        ("là s", "là sao"),
        ("s ko nói", "sao không nói"),
        ("k đi đâu", "không đi đâu"),
        ("có j đâu", "có gì đâu"),
        ("ngủ r", "ngủ rồi"),
        ("sao v", "sao vậy"),
        ("lâu z", "lâu vậy"),
        ("ăn đ", "ăn đi"),
        ("n bảo là n đi rồi", "nó bảo là nó đi rồi"),
        ("n chuyện với ai", "nói chuyện với ai"),
        ("thương n lắm", "thương nó lắm"),
        # southern and phonetic spellings
        ("lun dị á", "luôn vậy á"),
        ("zị đó", "vậy đó"),
        ("đi chơi dzậy", "đi chơi vậy"),
        ("mệt gùi", "mệt rồi"),
        ("xong rùi", "xong rồi"),
        ("zô đây", "vô đây"),
        ("dô nhà đi", "vô nhà đi"),
        ("ngủ thui", "ngủ thôi"),
        ("ik học", "đi học"),
        ("bao nhiu tiền", "bao nhiêu tiền"),
        ("thương nhiu", "thương nhiều"),
        ("nhìu quá", "nhiều quá"),
        ("zui ghê", "vui ghê"),
        ("dui quá", "vui quá"),
        ("ko dui", "không vui"),
        ("pa mẹ", "ba mẹ"),
        ("chời ơi", "trời ơi"),
        ("tr ơi", "trời ơi"),
        ("cũm được", "cũng được"),
        ("cũg vậy", "cũng vậy"),
        ("hông có", "không có"),
        ("hơm biết", "không biết"),
        ("đẹp wá", "đẹp quá"),
        ("hay qá", "hay quá"),
        ("bít rồi", "biết rồi"),
        ("bik rồi", "biết rồi"),
        ("iu lắm", "yêu lắm"),
        ("mún đi", "muốn đi"),
        # abbreviations
        ("ngta nói", "người ta nói"),
        ("mn ơi", "mọi người ơi"),
        ("mng ơi", "mọi người ơi"),
        ("ae ơi", "anh em ơi"),
        ("ntn", "như thế nào"),
        ("bh ms bít", "bây giờ mới biết"),
        ("từ bh", "từ bao giờ"),
        ("bjo", "bây giờ"),
        ("hnay", "hôm nay"),
        ("hqua", "hôm qua"),
        ("nch vs ny", "nói chuyện với người yêu"),
        ("nc vs nó", "nói chuyện với nó"),
        ("uống nc", "uống nước"),
        ("nó ns", "nó nói"),
        ("trl đi", "trả lời đi"),
        ("sao ko tl", "sao không trả lời"),
        ("nt cho t", "nhắn tin cho tôi"),
        ("kb vs mình", "kết bạn với mình"),
        ("kb nữa", "không biết nữa"),
        ("ck vk", "chồng vợ"),
        ("bn ơi", "bạn ơi"),
        ("bn tuổi", "bao nhiêu tuổi"),
        ("giá bn", "giá bao nhiêu"),
        ("cx đc", "cũng được"),
        ("dth ghê", "dễ thương ghê"),
        ("oke", "ok"),
        ("oki", "ok"),
        ("okie", "ok"),
        ("bt thôi", "bình thường thôi"),
        ("ai bt đâu", "ai biết đâu"),
        ("t ko bt", "tôi không biết"),
        ("làm bt chưa", "làm bài tập chưa"),
        ("gd mình", "gia đình mình"),
        ("bộ gd", "bộ giáo dục"),
        ("chúc mừng sn", "chúc mừng sinh nhật"),
        ("sn 2010", "sinh năm 2010"),
        ("hs lớp 9", "học sinh lớp 9"),
        ("gv chủ nhiệm", "giáo viên chủ nhiệm"),
        ("sđt", "số điện thoại"),
        ("stk", "số tài khoản"),
        ("ib mình", "nhắn tin mình"),
        ("cmt dạo", "bình luận dạo"),
        ("thpt", "thpt"),
        ("ptth", "ptth"),
        ("chơi ff", "chơi free fire"),
    ],
)  # fmt: skip
def test_short_forms(normaliser: Normaliser, text: str, reading: str) -> None:
    assert accented(normaliser, text) == reading


@pytest.mark.parametrize(
    "text",
    [
        # standard words, with or without diacritics, that look like short forms
        "kì dị thật", "bị dị ứng", "dị nghị", "bít tất", "đau hông", "rach dui",
        "dung", "ban đầu", "tu hành", "chet", "thôi đi mà", "vô duyên", "trời mưa",
        "xoong nồi", "lưu", "cuu", "hiu hiu", "bùn đất",
        # numbers and units
        "50k", "150 k", "20 đ", "5 m", "220 v", "5h", "lớp 12 a",
        # letters naming options, English
        "câu b", "câu c", "chọn đáp án a", "plan b", "vitamin c", "a lot of fun",
        "it is a good game", "i", "ok",
        # swear words and swear abbreviations are kept as typed
        "vl", "vcl", "vãi", "đm", "đ biết", "cc",
        # letters typed twice are no short form
        "tt", "vv",
    ],
)  # fmt: skip
def test_left_as_typed(normaliser: Normaliser, text: str) -> None:
    assert accented(normaliser, text) == text.lower()


@pytest.mark.parametrize(
    "laughter",
    ["kk", "kkk", "kkkkkk", "KKK", "kaka", "keke", "kakaka", "haha", "hahaha", "hihi",
     "hehe", "huhu", "hic", "hix", "=))", ":))", "=)))", ":((", ":v", "^^"],
)  # fmt: skip
def test_laughter_is_kept_and_never_reads_as_no(normaliser: Normaliser, laughter: str) -> None:
    for text in (laughter, f"buồn cười {laughter} thật", f"đi {laughter}"):
        words = [word.accented for word in normaliser.words(text)]
        assert "không" not in words
        assert laughter.lower() in words


def test_urls_and_handles_stay_placeholders(normaliser: Normaliser) -> None:
    assert accented(normaliser, "t gửi https://abc.vn/x cho @be.na r") == (
        "tôi gửi url cho username rồi"
    )


def test_an_expansion_keeps_the_span_of_what_was_typed(normaliser: Normaliser) -> None:
    text = "ntn hả bh, bn tuổi =))"
    words = normaliser.words(text)
    assert [(w.accented, text[w.start : w.end]) for w in words] == [
        ("như", "ntn"), ("thế", "ntn"), ("nào", "ntn"), ("hả", "hả"), ("bây", "bh"),
        ("giờ", "bh"), ("bao", "bn"), ("nhiêu", "bn"), ("tuổi", "tuổi"), ("=))", "=))"),
    ]  # fmt: skip


def test_context_reads_the_same_whatever_the_case_and_repeats(normaliser: Normaliser) -> None:
    assert accented(normaliser, "T BẢO M RỒIIII") == "tao bảo mày rồi"
    assert accented(normaliser, "lunnn dịịị") == "luôn vậy"


def test_the_context_table_is_well_formed() -> None:
    from nlu.components import normaliser as module

    conditions = {module.AFTER, module.BEFORE, module.WITH, module.NUMBER, module.NUMBER_NEXT,
                  module.LAST, module.ALWAYS}  # fmt: skip
    for form, rules in module.IN_CONTEXT.items():
        assert form == module._key(form.lower()), form
        assert rules[-1][0] == module.ALWAYS, f"{form}: the last rule must be the default"
        for condition, _words, reading in rules:
            assert condition in conditions, form
            assert reading == reading.lower().strip(), form


# --- The development set: tests/nlu/norm_dev.tsv ---------------------------------------------
# One line per message: source TAB gold, both split on spaces one-to-one; a typed token that
# stands for several words has them joined by "_" in the gold ("ntn" → "như_thế_nào").

DEV_SET = Path(__file__).with_name("norm_dev.tsv")


def _dev_rows() -> list[tuple[list[str], list[str], list[str]]]:
    normaliser = Normaliser.from_content()
    rows = []
    for line in DEV_SET.read_text(encoding="utf-8").splitlines():
        source, gold = line.split("\t")
        words = normaliser.words(source)
        predicted, position = [], 0
        for token in source.split(" "):
            start = source.index(token, position)
            position = start + len(token)
            inside = [w.accented for w in words if start <= w.start and w.end <= position]
            predicted.append("_".join(inside))
        rows.append((source.lower().split(" "), gold.lower().split(" "), predicted))
    return rows


def dev_error_reduction() -> tuple[int, int, float, float, float]:
    """Tokens, tokens needing a change, accuracy left as is, accuracy normalised, and ERR."""
    total = changed = kept = right = 0
    for source, gold, predicted in _dev_rows():
        assert len(source) == len(gold) == len(predicted), " ".join(source)
        for typed, wanted, got in zip(source, gold, predicted, strict=True):
            total += 1
            changed += typed != wanted
            kept += typed == wanted
            right += got == wanted
    before, after = kept / total, right / total
    return total, changed, before, after, (after - before) / (1 - before)


def test_the_dev_set_is_large_and_needs_normalising() -> None:
    total, changed, *_ = dev_error_reduction()
    assert len(_dev_rows()) >= 150
    assert changed >= 200
    assert total >= 700


def test_error_reduction_on_the_dev_set() -> None:
    *_, err = dev_error_reduction()
    assert err >= 0.6


def test_no_laughter_in_the_dev_set_becomes_no() -> None:
    for source, _gold, predicted in _dev_rows():
        for typed, got in zip(source, predicted, strict=True):
            if typed.startswith("kk"):
                assert got == typed, " ".join(source)


if __name__ == "__main__":  # python -m tests.nlu.test_normaliser: print the dev-set figures
    tokens, needing, before, after, err = dev_error_reduction()
    print(f"{tokens} tokens, {needing} to normalise; accuracy {before:.3f} → {after:.3f}; "
          f"ERR {err:.3f}")  # fmt: skip
