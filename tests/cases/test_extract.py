"""What a person's own words give the case: age, links, usernames, phone-like strings."""

import json

from bot.cases.extract import Found, corrected, extract, merge, public


def test_a_parent_names_the_accounts_and_the_age() -> None:
    found = extract("Con tôi 11 tuổi, bị đứa tên BoiCute99 và hoang.anh.2k3 nhắn tin dụ dỗ")
    assert found.age == "11 tuổi"
    assert found.usernames == ["BoiCute99", "hoang.anh.2k3"]
    assert found.links == []
    assert found.phones == []


def test_links_handles_phones_and_a_school_year() -> None:
    found = extract(
        "em học lớp 7, nick nó là @trang_xinh, sđt 0912 345 678, "
        "link https://facebook.com/hoang.anh.2k3. Zalo nó +84 912.345.679"
    )
    assert found.age == "lớp 7"
    assert found.links == ["https://facebook.com/hoang.anh.2k3"]
    assert found.usernames == ["trang_xinh"]
    assert found.phones == ["0912345678", "+84912345679"]


def test_a_name_said_after_nick_or_account() -> None:
    assert extract("tài khoản zalo: minhanh").usernames == ["minhanh"]
    assert extract("nick của nó là tuanpro").usernames == ["tuanpro"]
    assert extract("cháu năm nay 12, sợ lắm").age == "12 tuổi"


def test_plain_vietnamese_and_hotline_numbers_give_nothing() -> None:
    for text in (
        "Em bị bắt nạt trên TikTok và Facebook. Chiều nay nhau.Em sợ lắm",
        "gọi 111 hoặc 113 nhé, lúc 12h30, giá 100k",
        "em gửi email abc@gmail.com rồi",
    ):
        assert extract(text).empty(), text


def test_a_counselor_strikes_out_a_wrong_guess_and_it_stays_out() -> None:
    raw = merge("", extract("Con 11 tuổi, nick BoiCute99, gặp iPhone15 ở covid19"))
    shown = public(raw)
    assert shown["age"] == "11 tuổi"
    assert "BoiCute99" in shown["usernames"]
    fixed = corrected(raw, Found(age="11 tuổi", usernames=["BoiCute99"]))
    again = merge(fixed, extract("iPhone15 nữa, và tài khoản mới là BeXinh2012"))
    assert public(again)["usernames"] == ["BoiCute99", "BeXinh2012"]
    assert "iPhone15" in json.loads(again)["dismissed"]
