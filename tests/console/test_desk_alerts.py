"""The desk's alerts in a real Chromium: a new imminent child (through the real web chat and
pipeline) makes every online desk play its sound, raise a notification and count the child
in the tab title until it is opened or taken; a supervisor's mute silences one desk, live,
audited; a crisis message from a waiting child alerts too."""

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select

from bot.appkeys import DATABASE, REDIS
from bot.cases.models import AuditEntry
from bot.handoff import events
from tests.conftest import AppFactory
from tests.console.conftest import add_account
from tests.console.test_browser import TIMEOUT_MS, browser, log_in
from tests.test_conversations import Chat

__all__ = ["browser"]  # the console tests' real Chromium, used by name below
TITLE = "Bàn tư vấn 111"
CRISIS = "em không muốn sống nữa, em muốn chết"
# Records every notification the page raises, then lets the real one show.
RECORD_NOTIFICATIONS = """
window.__notes = [];
(() => {
  const Real = window.Notification;
  if (!Real) return;
  function Recording(title, options) {
    window.__notes.push({title: title, body: (options || {}).body || ""});
    return new Real(title, options);
  }
  Recording.prototype = Real.prototype;
  Recording.requestPermission = (...args) => Real.requestPermission(...args);
  Object.defineProperty(Recording, "permission", {get: () => Real.permission});
  window.Notification = Recording;
})();
"""


def base_url(client: TestClient) -> str:  # type: ignore[type-arg]
    return str(client.make_url("")).rstrip("/")


async def desk_page(browser: Browser, base: str, username: str, path: str = "/console/") -> Page:
    """A logged-in page with notifications allowed (as a counselor would have clicked "Bật
    thông báo"), its live connection open, and a click on it, as a working counselor makes
    (a browser plays sound only on a page that has been used)."""
    context = await browser.new_context(locale="vi-VN")
    await context.grant_permissions(["notifications"], origin=base)
    await context.add_init_script(RECORD_NOTIFICATIONS)
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    await log_in(page, base, username)
    if path != "/console/":
        await page.goto(base + path)
    await expect(page.locator("body")).to_have_attribute("data-live", "on")
    await page.locator("h1, h2").first.click()
    return page


async def notes(page: Page) -> list[dict[str, str]]:
    found: list[dict[str, str]] = await page.evaluate("window.__notes")
    return found


async def test_an_imminent_child_alerts_every_online_desk_until_opened_or_taken(
    make_client: AppFactory, browser: Browser
) -> None:
    client = await make_client()
    base = base_url(client)
    await add_account(client, "lan")
    await add_account(client, "minh")
    lan, minh = await desk_page(browser, base, "lan"), await desk_page(browser, base, "minh")
    await expect(lan).to_have_title(TITLE)
    assert await lan.locator("#notify").is_hidden()  # allowed already: no button to press

    await Chat(client).send(text=CRISIS)
    for desk in (lan, minh):
        await desk.wait_for_function("() => window.deskAlerts.plays >= 1")
        await expect(desk).to_have_title(f"(1) {TITLE}")
        [note] = await notes(desk)
        assert note["title"] == "Có trẻ cần giúp ngay"
        assert "Nguy hiểm tức thời" in note["body"]
        assert "chết" not in note["body"]  # the child's words never go to the lock screen
        sound = await desk.evaluate("document.getElementById('alert-sound').src")
        assert sound.endswith("/console/static/alert.wav")

    await lan.click("#queue .item .open")  # lan reads who it is: seen on lan's desk only
    await expect(lan.locator("#messages")).to_contain_text(CRISIS)
    await expect(lan).to_have_title(TITLE)
    await expect(minh).to_have_title(f"(1) {TITLE}")
    await lan.click("#claim")  # taken: nobody else needs to be told any more
    await expect(lan.locator("#send-form")).to_be_visible()
    await expect(minh).to_have_title(TITLE)
    assert await lan.evaluate("window.deskAlerts.plays") == 1  # one child, one alert


async def test_a_crisis_message_from_a_waiting_child_alerts_and_a_normal_child_does_not(
    make_client: AppFactory, browser: Browser
) -> None:
    client = await make_client()
    base = base_url(client)
    await add_account(client, "lan")
    lan = await desk_page(browser, base, "lan")
    waiting = Chat(client)
    await waiting.send(payload="COUNSELOR")  # a normal child: in the queue, no alarm
    await expect(lan.locator("#queue .item")).to_have_count(1)
    await lan.wait_for_function(
        "() => window.deskAlerts.considered >= 1"
    )  # its arrival was weighed
    assert await lan.evaluate("window.deskAlerts.alerts") == 0
    await expect(lan).to_have_title(TITLE)

    handoff_id = await lan.locator("#queue .item").first.get_attribute("data-id")
    await events.publish(
        client.server.app[REDIS],
        {"type": "alert", "id": handoff_id, "priority": "imminent", "reason": "crisis_message"},
    )  # what the handoff service publishes when a waiting child writes of a crisis
    await lan.wait_for_function("() => window.deskAlerts.plays >= 1")
    await expect(lan).to_have_title(f"(1) {TITLE}")
    [note] = await notes(lan)
    assert note["title"] == "Trẻ đang chờ vừa nhắn tin khủng hoảng"
    assert "Web chat" in note["body"]  # the channel, known from the queue


async def test_a_supervisor_mutes_one_desk_live_and_it_is_audited(
    make_client: AppFactory, browser: Browser
) -> None:
    client = await make_client()
    base = base_url(client)
    await add_account(client, "lan")
    await add_account(client, "minh")
    await add_account(client, "hoa", "supervisor")
    lan, minh = await desk_page(browser, base, "lan"), await desk_page(browser, base, "minh")
    boss = await desk_page(browser, base, "hoa", "/console/supervisor")
    await expect(lan.locator("#muted-note")).to_be_hidden()

    row = boss.locator("#desks tr[data-username=lan]")
    await row.get_by_role("button", name="Tắt âm thanh").click()
    await expect(row).to_contain_text("Đã tắt")
    await expect(lan.locator("#muted-note")).to_be_visible()  # live, no reload
    await expect(minh.locator("#muted-note")).to_be_hidden()

    await Chat(client).send(text=CRISIS)
    await minh.wait_for_function("() => window.deskAlerts.plays >= 1")
    await lan.wait_for_function("() => window.deskAlerts.silenced >= 1")
    assert await lan.evaluate("window.deskAlerts.plays") == 0  # muted: no sound ...
    await expect(lan).to_have_title(f"(1) {TITLE}")  # ... but the title and the notification
    assert len(await notes(lan)) == 1

    await lan.reload()  # the mute is kept in Redis, not in the page
    await expect(lan.locator("#muted-note")).to_be_visible()
    await expect(lan.locator("body")).to_have_attribute("data-live", "on")
    await row.get_by_role("button", name="Bật lại âm thanh").click()
    await expect(lan.locator("#muted-note")).to_be_hidden()

    async with client.server.app[DATABASE].connect() as db:
        rows = await db.execute(
            select(AuditEntry.actor, AuditEntry.action, AuditEntry.detail).where(
                AuditEntry.action.in_(["desk_muted", "desk_unmuted"])
            )
        )
        assert [tuple(r) for r in rows] == [
            ("hoa", "desk_muted", "lan"),
            ("hoa", "desk_unmuted", "lan"),
        ]


async def test_notifications_are_asked_for_once_from_the_button_never_on_load(
    make_client: AppFactory, browser: Browser
) -> None:
    client = await make_client()
    base = base_url(client)
    await add_account(client, "lan")
    context = await browser.new_context(locale="vi-VN")  # nothing granted yet
    await context.add_init_script(
        "window.__asked = 0; const ask = Notification.requestPermission.bind(Notification);"
        "Notification.requestPermission = (...a) => { window.__asked += 1; return ask(...a); };"
    )
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    await log_in(page, base, "lan")
    button = page.get_by_role("button", name="Bật thông báo")
    await expect(button).to_be_visible()
    await expect(page.locator("body")).to_have_attribute("data-live", "on")
    assert await page.evaluate("window.__asked") == 0  # never on load
    await button.click()
    await page.wait_for_function("() => window.__asked === 1")
    await expect(button).to_be_hidden()  # answered (here: refused by the headless browser)
    await expect(page.locator("#notify-denied")).to_be_visible()
