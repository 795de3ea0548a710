"""Evidence items from a person's own words, with what bot.cases.extract finds: a TikTok
username and a link typed by a child, phones, a bank account."""

from bot.evidence.intake import from_words, link_kind


def test_a_grooming_report_gives_the_username_and_the_link() -> None:
    words = "nó tên là BoiCute99, link nè https://www.tiktok.com/@boicute99/video/7301234567890"
    drafts = from_words(words, "tiktok")
    assert [(d.kind, d.platform, d.value) for d in drafts] == [
        ("clip", "tiktok", "https://www.tiktok.com/@boicute99/video/7301234567890"),
        ("profile", "tiktok", "BoiCute99"),
    ]


def test_phones_and_a_bank_account() -> None:
    drafts = from_words("nó bảo chuyển vào stk 0123456789 rồi gọi số 0912.345.678")
    assert [(d.kind, d.value) for d in drafts] == [
        ("phone", "0912345678"),
        ("bank_account", "0123456789"),
    ]


def test_a_name_on_a_game_is_a_game_id() -> None:
    [draft] = from_words("acc ff của nó là @SatThu_2010", "free_fire")
    assert (draft.kind, draft.platform, draft.value) == ("game_id", "free_fire", "SatThu_2010")


def test_what_a_link_points_at() -> None:
    assert link_kind("https://www.facebook.com/groups/hoihocsinh") == "group"
    assert link_kind("https://www.facebook.com/profile.php?id=1000123") == "profile"
    assert link_kind("https://youtu.be/abc123") == "clip"
    assert link_kind("https://www.youtube.com/@kenhxau") == "channel"
    assert link_kind("https://example.vn/khuyen-mai") == "other"


def test_plain_words_give_nothing() -> None:
    assert from_words("em buồn lắm, bạn ấy nói xấu em") == []
