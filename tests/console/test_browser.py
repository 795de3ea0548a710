"""The whole desk in a real headless Chromium (Debian's, driven by Playwright): a child on the
web chat page, two counselors in their own browsers. Login, take the most urgent, chat both
ways (a script-shaped message stays text), transfer, close with categories, statistics."""

import os
import shutil
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.conftest import AppFactory
from tests.console.conftest import PASSWORD, add_account

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FOUND = os.path.exists(CHROMIUM)
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
TIMEOUT_MS = 15_000
ATTACK = '<img src=x onerror="document.title=\'owned\'"><script>document.title="owned"</script>'


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    assert FOUND, f"{CHROMIUM} missing: `make browser` installs Debian's chromium"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        await launched.close()


async def new_page(browser: Browser) -> Page:
    context = await browser.new_context(locale="vi-VN")
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    return page


async def log_in(page: Page, base: str, username: str) -> None:
    await page.goto(f"{base}/console/")
    await expect(page).to_have_url(f"{base}/console/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{base}/console/")


async def test_a_counselor_helps_a_child_from_login_to_statistics(
    make_client: AppFactory, browser: Browser
) -> None:
    client = await make_client(worker_tasks=2)
    base = str(client.make_url("")).rstrip("/")
    await add_account(client, "lan")
    await add_account(client, "minh")

    lan, minh, child = await new_page(browser), await new_page(browser), await new_page(browser)
    await log_in(lan, base, "lan")
    await log_in(minh, base, "minh")

    await child.goto(f"{base}/chat")
    await expect(child.locator("#log")).to_contain_text("trợ lý tự động")
    await child.fill("#text", "bạn cùng lớp đăng ảnh chế giễu em lên facebook")
    await child.press("#text", "Enter")
    await child.get_by_role("button", name="Nói với tư vấn viên").click()
    await expect(child.locator("#log")).to_contain_text("vị trí số 1")

    await expect(lan.locator("#queue .item")).to_have_count(1)  # live, no reload
    await lan.click("#take-next")
    await expect(lan.locator("#messages")).to_contain_text("chế giễu em")
    await expect(lan.locator("#context")).to_contain_text("Facebook")  # the app's name
    await expect(child.locator("#log")).to_contain_text("đã vào trò chuyện")

    await lan.fill("#send-form textarea", "Chào em, chị là Lan. Em kể chị nghe nhé?")
    await lan.click("#send")
    await expect(child.locator("#log")).to_contain_text("chị là Lan")

    await child.fill("#text", ATTACK)
    await child.press("#text", "Enter")
    await expect(lan.locator("#messages")).to_contain_text(ATTACK)  # shown as text
    assert await lan.locator("#messages img").count() == 0
    assert await lan.title() != "owned"

    await lan.select_option("#transfer-to", "minh")
    await lan.click("#transfer")
    await expect(minh.locator("#mine .item")).to_have_count(1)
    await minh.click("#mine .item .open")
    await expect(minh.locator("#messages")).to_contain_text("chị là Lan")
    await minh.fill("#send-form textarea", "Anh là Minh, anh tiếp tục giúp em nhé.")
    await minh.click("#send")
    await expect(child.locator("#log")).to_contain_text("Anh là Minh")

    await minh.check("input[value=report_bullying]")
    await minh.check("input[value=report_defamation]")
    await minh.fill("#close-form input[name=action]", "Hướng dẫn báo cáo ảnh trên Facebook")
    await minh.click("#close")
    await minh.click("#close-yes")  # confirmed in the page
    await expect(child.locator("#log")).to_contain_text("đã kết thúc")
    await expect(minh.locator("#chat-pick")).to_be_visible()

    await minh.click("text=Thống kê")
    table = minh.locator("#stats-table")
    row = table.locator("tr", has_text="Trẻ em bị bạo lực, bắt nạt trên MTM").first
    await expect(row.locator("td.n").last).to_have_text("1")
    total = table.locator("tr.total td.n").last
    await expect(total).to_have_text("1")  # one case with two categories
    assert await minh.locator("#chart rect").count() >= 1
    download = minh.locator("#csv")
    assert "/console/stats.csv" in (await download.get_attribute("href") or "")
