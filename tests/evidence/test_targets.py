"""One account however a person types it: per platform, case, a leading @, www. and m.,
trailing slashes, tiktok.com/@name ≡ @name on TikTok, profile.php?id=… ≡ the id; one phone
in its Vietnamese forms; and only a keyed hash of it is kept."""

import pytest

from bot.evidence.targets import keyed, platform_of, target_of

SAME = [
    ("profile tiktok https://www.tiktok.com/@BoiCute99", "profile tiktok @boicute99"),
    ("clip - tiktok.com/@boicute99/video/7301234567890", "profile tiktok BoiCute99"),
    ("profile - https://m.facebook.com/profile.php?id=1000123", "profile facebook 1000123"),
    ("profile - facebook.com/hoang.anh.2k3/", "profile facebook @Hoang.Anh.2k3"),
    ("profile - https://web.facebook.com/hoang.anh.2k3?ref=x", "profile facebook hoang.anh.2k3"),
    ("profile - instagram.com/Be.Na_07//", "profile instagram be.na_07"),
    ("phone - 0912.345.678", "phone - +84912345678"),
    ("phone - 84912345678", "phone - 0084-912-345-678"),
    ("bank_account - 0123.456.789", "bank_account - 0123456789"),
    ("group - https://zalo.me/g/abcxyz", "group zalo https://zalo.me/g/ABCXYZ/"),
]
APART = [
    ("profile tiktok @boicute99", "profile facebook @boicute99"),  # per platform
    ("profile tiktok @boicute99", "profile tiktok @boicute98"),
    ("phone - 0912345678", "phone - 0912345679"),
    ("phone - 0912345678", "bank_account - 0912345678"),
]


def key(given: str) -> str | None:
    kind, platform, value = given.split(" ", 2)
    found = target_of(kind, "" if platform == "-" else platform, value)
    return found[0] if found else None


@pytest.mark.parametrize(("a", "b"), SAME)
def test_the_same_target_however_it_is_typed(a: str, b: str) -> None:
    assert key(a) is not None
    assert key(a) == key(b)


@pytest.mark.parametrize(("a", "b"), APART)
def test_different_targets_stay_apart(a: str, b: str) -> None:
    assert key(a) is not None
    assert key(b) is not None
    assert key(a) != key(b)


def test_what_names_no_one_is_no_target() -> None:
    assert target_of("chat", "zalo", "nó nhắn lúc nửa đêm") is None
    assert target_of("phone", "", "12345") is None
    assert target_of("profile", "tiktok", "tên có dấu") is None
    assert target_of("post", "", "https://www.facebook.com/share/p/1AbC/") == (
        "link:facebook.com/share/p/1AbC", "link", "facebook",
    )  # fmt: skip


def test_a_platform_from_a_links_host() -> None:
    assert platform_of("https://vt.tiktok.com/ZSabc/") == "tiktok"
    assert platform_of("m.facebook.com/x") == "facebook"
    assert platform_of("https://youtu.be/abc") == "youtube"
    assert platform_of("https://example.vn/x") == ""


def test_only_a_keyed_hash_of_the_key() -> None:
    key = target_of("profile", "tiktok", "@BoiCute99")
    assert key is not None
    one, other = keyed(b"k1", key[0]), keyed(b"k2", key[0])
    assert len(one) == 64
    assert one != other
    assert "boicute99" not in one
