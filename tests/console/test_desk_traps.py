"""The desk's small traps, in a real Chromium: Ctrl+Enter sends and Enter is a new line; the
close form's error stands by its button; close and release are confirmed in the page; a
reload keeps the open conversation; queue rows tell children apart; a counselor who opens the
supervisor's page gets a Vietnamese refusal (403); the idle warning comes a minute before."""

from playwright.async_api import Browser, Page, expect
from sqlalchemy import select

from bot.appkeys import DATABASE, HANDOFFS
from bot.cases.models import Referral
from tests.conftest import AppFactory
from tests.console.conftest import Counselor, add_account, logged_in
from tests.console.test_browser import browser, log_in, new_page
from tests.console.test_desk_alerts import base_url
from tests.test_conversations import Chat

__all__ = ["browser"]


async def taken(page: Page) -> str:
    """Takes the most urgent child on this desk; returns the conversation's id."""
    await expect(page.locator("#queue .item")).to_have_count(1)
    await page.click("#take-next")
    await expect(page.locator("#send-form")).to_be_visible()
    return str(await page.locator("#chat").get_attribute("data-id"))


async def test_ctrl_enter_sends_enter_adds_a_line_and_a_reload_keeps_the_conversation(
    make_client: AppFactory, browser: Browser
) -> None:
    client = await make_client()
    base = base_url(client)
    await add_account(client, "lan")
    lan = await new_page(browser)
    await log_in(lan, base, "lan")
    child = Chat(client)
    await child.send(text="bạn cùng lớp đăng ảnh chế giễu em lên facebook")
    await child.send(payload="COUNSELOR")
    held = await taken(lan)
    await child._replies()  # the "counselor joined" notice

    await lan.fill("#text", "Chào em,")
    await lan.press("#text", "Enter")  # a new line, nothing sent
    await lan.type("#text", "chị là Lan.")
    assert await lan.input_value("#text") == "Chào em,\nchị là Lan."
    assert await lan.locator("#messages .from-counselor").count() == 0
    await lan.press("#text", "Control+Enter")
    await expect(lan.locator("#messages .from-counselor")).to_have_count(1)
    await expect(lan.locator("#text")).to_have_value("")
    assert [r["text"] for r in await child._replies()] == ["Chào em,\nchị là Lan."]
    await lan.fill("#text", "Em kể chị nghe nhé?")
    await lan.press("#text", "Meta+Enter")  # ⌘+Enter on a Mac
    await expect(lan.locator("#messages .from-counselor")).to_have_count(2)

    await lan.reload()
    await expect(lan.locator("#chat-body")).to_be_visible()
    await expect(lan.locator("#chat")).to_have_attribute("data-id", held)
    await expect(lan.locator("#messages")).to_contain_text("chế giễu em")
    await expect(lan.locator("#send-form")).to_be_visible()


async def test_close_and_release_are_confirmed_in_the_page_with_errors_by_their_buttons(
    make_client: AppFactory, browser: Browser
) -> None:
    client = await make_client()
    base = base_url(client)
    await add_account(client, "lan")
    lan = await new_page(browser)  # any window.confirm or alert fails the test
    await log_in(lan, base, "lan")
    first = Chat(client)
    await first.send(payload="COUNSELOR")
    await taken(lan)

    await lan.click("#close")  # no category: the error is by the close button
    error = lan.locator("#close-form #close-error")
    await expect(error).to_have_text("Hãy chọn ít nhất một phân loại.")
    await expect(lan.locator("#chat-error")).to_be_hidden()
    await expect(lan.locator("#close-confirm")).to_be_hidden()
    await lan.check("input[value=ask_online_safety]")
    await lan.click("#close")
    confirm = lan.locator("#close-confirm")
    await expect(confirm).to_contain_text("Kết thúc ca này?")
    await lan.click("#close-no")  # changed their mind: still open
    await expect(confirm).to_be_hidden()
    await expect(lan.locator("#chat-body")).to_be_visible()
    await lan.select_option("#close-refer", label="Cấp cứu y tế · 115")  # from the directory
    await lan.click("#close")
    await lan.click("#close-yes")
    await expect(lan.locator("#chat-pick")).to_be_visible()
    assert any("đã kết thúc" in r["text"] for r in await first._replies())
    async with client.server.app[DATABASE].connect() as db:
        referred = (await db.execute(select(Referral.counselor, Referral.phone))).all()
    assert referred == [("lan", "115")]  # recorded in the case

    second = Chat(client)
    await second.send(payload="COUNSELOR")
    await taken(lan)
    await lan.click("#release")
    await expect(lan.locator("#release-confirm")).to_contain_text(
        "Trả cuộc trò chuyện lại cho bot?"
    )
    await expect(lan.locator("#chat-body")).to_be_visible()  # nothing happened yet
    await lan.click("#release-yes")
    await expect(lan.locator("#chat-pick")).to_be_visible()
    await expect(lan.locator("#queue-empty")).to_be_visible()


async def test_queue_rows_tell_children_apart(
    make_client: AppFactory, browser: Browser, counselors: list[Counselor]
) -> None:
    client = await make_client()
    base = base_url(client)
    await add_account(client, "lan")
    minh = await logged_in(client, counselors, "minh", online=False)
    child = Chat(client)
    await child.send(payload="COUNSELOR")  # a first contact, helped and closed
    status, first = await minh.call("POST", "conversations/next/claim")
    assert status == 200
    closing = {"categories": ["ask_online_safety"], "type": "consultation"}
    assert (await minh.call("POST", f"conversations/{first['id']}/close", closing))[0] == 200
    await child.send(payload="COUNSELOR")  # the same person again
    [again] = (await minh.call("GET", "queue"))[1]["items"]
    words = "em bị lộ ảnh <b>riêng tư</b> trên nhóm lớp, " * 4
    await client.server.app[HANDOFFS].queue.set_preview(again["id"], words)

    lan = await new_page(browser)
    await log_in(lan, base, "lan")
    row = lan.locator("#queue .item").first
    await expect(row).to_contain_text("Bình thường · Web chat")
    await expect(row).to_contain_text("chờ 0 phút")
    await expect(row.locator(".returning")).to_have_text("Đã từng liên hệ (1 ca)")
    preview = await row.locator(".preview").text_content() or ""
    assert preview.startswith("em bị lộ ảnh <b>riêng tư</b>")  # text, not markup
    assert len(preview) <= 80
    assert preview.endswith("…")
    assert await row.locator(".preview b").count() == 0


async def test_a_counselor_gets_a_vietnamese_refusal_page_and_json(
    make_client: AppFactory, browser: Browser, counselors: list[Counselor]
) -> None:
    client = await make_client()
    base = base_url(client)
    await add_account(client, "lan")
    lan = await new_page(browser)
    await log_in(lan, base, "lan")
    response = await lan.goto(f"{base}/console/supervisor")
    assert response is not None
    assert response.status == 403
    await expect(lan.locator("#refused")).to_contain_text("Trang này chỉ dành cho giám sát viên.")
    await expect(lan.locator("header.top")).to_be_visible()  # the console's own page
    await lan.click("#back-to-desk")
    await expect(lan).to_have_url(f"{base}/console/")

    api = await logged_in(client, counselors, "minh", online=False)
    status, body = await api.call("GET", "supervisor")
    assert status == 403
    assert body == {"error": "supervisors_only", "message": "Chỉ giám sát viên được làm việc này."}
    status, body = await api.call("POST", "desks/lan/mute", {"muted": True})
    assert (status, body["error"]) == (403, "supervisors_only")
    assert body["message"]


async def test_the_idle_warning_comes_a_minute_before_and_continuing_keeps_the_login(
    make_client: AppFactory, browser: Browser
) -> None:
    client = await make_client(console_idle_seconds=63)  # the warning is due 3 s after login
    base = base_url(client)
    await add_account(client, "lan")
    lan = await new_page(browser)
    await log_in(lan, base, "lan")
    warning = lan.locator("#idle-warning")
    await expect(warning).to_contain_text("Bạn sẽ bị đăng xuất sau 1 phút")
    await lan.get_by_role("button", name="Tiếp tục làm việc").click()
    await expect(warning).to_be_hidden()
    left = await (await lan.request.get(f"{base}/console/api/session")).json()
    assert 60 < left["idle_seconds_left"] <= 63  # renewed by the click
    assert left["lifetime_seconds_left"] > 11 * 3600  # a shift fits
    await expect(warning).to_be_visible()  # and it comes back when nothing more is done
