"""Evidence on the desk in a real Chromium: the items of a grooming report a child typed
(the stranger's TikTok username and a link), opened through "Mở" (recorded first, then
opened without opener or referrer), marked as the reporter's data, one added by hand; the
flag when a second child names the same account; the supervisors' targets page."""

from playwright.async_api import Browser, Route, expect

from tests.conftest import AppFactory
from tests.console.conftest import add_account
from tests.console.test_browser import browser, log_in, new_page
from tests.console.test_evidence_api import CLIP, SECOND, grooming_report, straight_to_a_counselor
from tests.test_conversations import Chat

__all__ = ["browser"]


async def tiktok(route: Route) -> None:
    """The link's page, served here: the test never reaches the internet."""
    await route.fulfill(status=200, content_type="text/html", body="<title>TikTok</title>")


async def test_evidence_on_the_desk_and_the_targets_page(
    make_client: AppFactory, browser: Browser
) -> None:
    client = await make_client()
    base = str(client.make_url("")).rstrip("/")
    await add_account(client, "lan")
    await add_account(client, "hoa", role="supervisor")
    lan = await new_page(browser)
    await lan.context.route("https://www.tiktok.com/**", tiktok)
    await log_in(lan, base, "lan")

    await grooming_report(Chat(client), f"nó tên là BoiCute99, link nè {CLIP}")
    await expect(lan.locator("#queue .item")).to_have_count(1)
    await lan.click("#take-next")
    panel = lan.locator("#evidence-panel")
    items = panel.locator(".evidence-item")
    await expect(items).to_have_count(2)
    await expect(items.nth(0)).to_contain_text(CLIP)
    await expect(items.nth(0)).to_contain_text("Video · TikTok")
    await expect(items.nth(1)).to_contain_text("BoiCute99")
    await expect(items.nth(1)).to_contain_text("Trẻ nhập")
    assert await panel.locator("a").count() == 0  # links are text until "Mở"
    await expect(panel.locator("#evidence-flag")).to_be_hidden()

    async with lan.expect_popup() as opening:
        await items.nth(0).get_by_role("button", name="Mở").click()
    popup = await opening.value
    await expect(popup).to_have_title("TikTok")
    assert await popup.evaluate("window.opener === null && document.referrer === ''")
    await expect(items.nth(0)).to_contain_text("Đã mở: lan")
    assert await items.nth(1).get_by_role("button", name="Mở").count() == 0

    await items.nth(1).locator(".evidence-reporter").check()
    await expect(items.nth(1)).to_contain_text("Dữ liệu của người báo")
    await items.nth(1).locator(".evidence-reporter").uncheck()
    await expect(items.nth(1).locator(".evidence-reporter-note")).to_have_count(0)
    await lan.select_option("#evidence-kind", "phone")
    await lan.fill("#evidence-value", '0912 345 678 <img src=x onerror="alert(1)">')
    await lan.click("#evidence-add")
    await expect(items).to_have_count(3)
    await expect(items.nth(2)).to_contain_text("Tư vấn viên lan nhập")
    assert await panel.locator("img").count() == 0

    await straight_to_a_counselor(Chat(client), SECOND)
    await expect(lan.locator("#queue .item")).to_have_count(1)
    await lan.locator("#queue .item .open").first.click()  # to choose: the flag shows
    await expect(panel.locator("#evidence-flag")).to_have_text(
        "Tài khoản này đã bị báo trong 1 ca khác"
    )
    await expect(panel.locator("#evidence-hidden")).to_be_visible()
    await lan.click("#claim")
    await expect(items).to_have_count(1)
    await expect(items.first.locator(".evidence-flag")).to_be_visible()

    await lan.goto(f"{base}/console/targets")
    await expect(lan.locator("#refused")).to_contain_text("chỉ dành cho giám sát viên")
    hoa = await new_page(browser)
    await log_in(hoa, base, "hoa")
    await hoa.click("#nav-targets")
    row = hoa.locator("#targets tr.target").first
    await expect(row.locator(".count")).to_have_text("2")
    await expect(row.locator(".value")).to_contain_text("boicute99", ignore_case=True)
    await expect(row.locator(".cases a")).to_have_count(2)
