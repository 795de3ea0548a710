"""The supervisor's page in a real Chromium, live: counts by priority, who waits since when,
who holds what, who is online; every time in Vietnam's time even on a computer set to
another zone."""

from datetime import UTC, datetime, timedelta, timezone

from playwright.async_api import Browser, expect

from tests.conftest import AppFactory
from tests.console.conftest import add_account
from tests.console.test_browser import TIMEOUT_MS, browser, log_in
from tests.console.test_desk_alerts import CRISIS, base_url
from tests.test_conversations import Chat

__all__ = ["browser"]
VIETNAM = timezone(timedelta(hours=7))


def vietnam_times_now() -> set[str]:
    """ "HH:MM dd/mm" in Vietnam now and a minute either side (the page may round across)."""
    now = datetime.now(UTC)
    return {
        (now + timedelta(minutes=m)).astimezone(VIETNAM).strftime("%H:%M %d/%m")
        for m in (-1, 0, 1)
    }


async def test_the_supervisor_page_follows_the_queue_live_in_vietnam_time(
    make_client: AppFactory, browser: Browser
) -> None:
    client = await make_client()
    base = base_url(client)
    await add_account(client, "lan")
    await add_account(client, "hoa", "supervisor")
    context = await browser.new_context(locale="vi-VN", timezone_id="America/New_York")
    boss = await context.new_page()
    boss.set_default_timeout(TIMEOUT_MS)
    await log_in(boss, base, "hoa")
    await boss.goto(f"{base}/console/supervisor")
    await expect(boss.locator("body")).to_have_attribute("data-live", "on")
    await expect(boss.locator("#queue-length")).to_have_text("0")

    await Chat(client).send(text=CRISIS)
    await expect(boss.locator("#waiting-imminent")).to_have_text("1")  # live, no reload
    await expect(boss.locator("#queue-length")).to_have_text("1")
    waiting = boss.locator("#waiting tbody tr").first
    await expect(waiting).to_contain_text("Nguy hiểm tức thời")
    since = await waiting.locator("td").nth(3).text_content()
    assert since in vietnam_times_now()  # not New York's time, not UTC

    lan = await (await browser.new_context(locale="vi-VN")).new_page()
    lan.set_default_timeout(TIMEOUT_MS)
    await log_in(lan, base, "lan")
    await expect(boss.locator("#online")).to_contain_text("lan")
    await lan.click("#take-next")
    held = boss.locator("#in-progress tbody tr").first
    await expect(held).to_contain_text("lan")
    await expect(boss.locator("#waiting-imminent")).to_have_text("0")
    await expect(boss.locator("#active-count")).to_have_text("1")
    assert await held.locator("td").nth(4).text_content() in vietnam_times_now()
    await expect(boss.locator("#desks tr[data-username=lan]")).to_contain_text("Đang bật")
