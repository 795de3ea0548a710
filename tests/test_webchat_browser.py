"""The web chat page as a child meets it, in a real headless Chromium (Debian's, driven by
Playwright, as in tests/console/test_browser.py): a reload keeps both sides, delete forgets,
a counselor is visibly a person, the emergency numbers are tap-to-call, the length limit and
every refusal are said in Vietnamese, "Thoát nhanh" leaves for good, and the page runs under
its Content-Security-Policy without a single violation."""

import json
from pathlib import Path

import pytest
import yaml
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, Page, Route, expect

from bot.appkeys import HANDOFFS, REDIS
from bot.channels.webchat import MAX_TEXT
from bot.store import keys
from tests.conftest import ROOT, AppFactory
from tests.console.test_browser import TIMEOUT_MS, browser

WORDS = yaml.safe_load(Path(ROOT / "content" / "vi" / "webchat.yml").read_text("utf-8"))
EXIT = WORDS["exit_url"]
__all__ = ["browser"]  # the console tests' real Chromium, used by name below
ATTACK = "<img src=x onerror=\"document.title='owned'\">"


async def child_page(browser: Browser, violations: list[str]) -> Page:
    context = await browser.new_context(locale="vi-VN")
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    page.on("console", lambda m: violations.append(m.text) if "Content Security" in m.text else 0)

    async def neutral(route: Route) -> None:  # no network here: the exit page, served locally
        await route.fulfill(status=200, content_type="text/html", body="<p>Thời tiết</p>")

    await page.route("https://www.google.com.vn/**", neutral)
    return page


async def start(page: Page, base: str) -> None:
    response = await page.goto(f"{base}/chat")
    assert response is not None
    assert response.status == 200
    await expect(page.locator("#log .bot").first).to_contain_text("trợ lý tự động")


async def chat_open(
    make_client: AppFactory, browser: Browser, violations: list[str]
) -> tuple[TestClient, str, Page]:  # type: ignore[type-arg]
    """A running bot with the web chat, and a child's page on it, greeted."""
    client = await make_client(worker_tasks=2)
    base = str(client.make_url("")).rstrip("/")
    page = await child_page(browser, violations)
    await start(page, base)
    return client, base, page


async def write(page: Page, text: str) -> None:
    await page.fill("#text", text)
    await page.press("#text", "Enter")


async def test_a_reload_keeps_both_sides_and_delete_forgets(
    make_client: AppFactory, browser: Browser
) -> None:
    violations: list[str] = []
    client, base, page = await chat_open(make_client, browser, violations)
    answered = page.locator("#log > .msg.bot:last-child")
    await page.get_by_role("button", name="Em là học sinh").click()
    await expect(answered).to_have_count(1)
    await write(page, "em bị lừa mất acc ff")
    await expect(page.locator("#log > .msg.me:last-child")).to_have_count(0)
    await expect(answered).to_have_count(1)
    before = await page.locator("#log .msg").all_inner_texts()

    await page.reload()
    mine = page.locator("#log .me")
    await expect(mine).to_have_count(2)  # the typed line and the tapped button, once each
    await expect(mine.first).to_have_text("Em là học sinh")
    await expect(mine.last).to_have_text("em bị lừa mất acc ff")
    await expect(page.locator("#log .msg")).to_have_count(len(before))
    assert await page.locator("#log .msg").all_inner_texts() == before

    chat = await page.evaluate("localStorage.getItem('chat_id')")
    await page.click("#delete")
    await expect(page.locator("#log")).to_have_text(WORDS["deleted"])
    assert await page.evaluate("localStorage.getItem('chat_id')") is None
    redis = client.server.app[REDIS]
    assert await redis.exists(keys.webchat_replies(chat), keys.webchat_chat(chat)) == 0
    await page.reload()  # a fresh chat: the welcome, nothing of the old one
    await expect(page.locator("#log .bot").first).to_contain_text("trợ lý tự động")
    await expect(page.locator("#log .me")).to_have_count(0)
    assert violations == []


async def test_a_counselor_is_labelled_and_the_numbers_are_tap_to_call(
    make_client: AppFactory, browser: Browser
) -> None:
    violations: list[str] = []
    client, base, page = await chat_open(make_client, browser, violations)
    talking = page.locator("#talking")
    await expect(talking).to_have_text(WORDS["subtitle"])
    await write(page, "bạn cùng lớp đăng ảnh chế giễu em lên facebook")
    await page.get_by_role("button", name="Nói với tư vấn viên").click()
    await expect(talking).to_have_text(WORDS["subtitle_waiting"])

    handoffs = client.server.app[HANDOFFS]
    found = await handoffs.claim("lan")
    await handoffs.say(found, "lan", f"Chị là Lan. {ATTACK} Nguy hiểm thì gọi 113 hoặc 115.")
    counselor = page.locator("#log .counselor")
    await expect(counselor).to_have_count(1)
    await expect(counselor.locator(".who")).to_have_text(WORDS["counselor_label"])
    await expect(counselor).to_contain_text(ATTACK)  # shown as text, never run
    assert await page.locator("#log img").count() == 0
    assert await page.title() != "owned"
    await expect(talking).to_have_text(WORDS["subtitle_counselor"])
    await expect(counselor.locator('a[href="tel:113"]')).to_have_text("113")
    await expect(counselor.locator('a[href="tel:115"]')).to_have_text("115")
    assert await page.locator('#log .bot a[href="tel:111"]').count() >= 1
    bot_colour = await page.locator("#log .bot").first.evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    counselor_colour = await counselor.evaluate("e => getComputedStyle(e).backgroundColor")
    assert counselor_colour != bot_colour
    assert violations == []


async def test_the_length_limit_and_refusals_are_said_in_vietnamese(
    make_client: AppFactory, browser: Browser
) -> None:
    client = await make_client(worker_tasks=2, webchat_chat_messages_per_minute=2)
    base = str(client.make_url("")).rstrip("/")
    violations: list[str] = []
    page = await child_page(browser, violations)
    await start(page, base)
    assert await page.get_attribute("#text", "maxlength") == str(MAX_TEXT)
    await expect(page.locator("#counter")).to_have_text(f"0/{MAX_TEXT}")

    await page.fill("#text", "x" * 6000)  # a long paste: kept to the limit, and said so
    assert len(await page.input_value("#text")) == MAX_TEXT
    await expect(page.locator("#counter")).to_have_text(f"{MAX_TEXT}/{MAX_TEXT}")
    await expect(page.locator("#error")).to_have_text(WORDS["too_long"])
    await page.fill("#text", "")
    await expect(page.locator("#error")).to_be_hidden()

    async def longer(route: Route) -> None:  # what an older page or a script could send
        body = json.loads(route.request.post_data or "{}")
        body["text"] = "x" * (MAX_TEXT + 500)
        await route.continue_(post_data=json.dumps(body))

    await page.route("**/chat/api/messages", longer)
    await write(page, "một tin dài")
    await expect(page.locator("#error")).to_have_text(WORDS["too_long"])  # the server's 400
    await page.unroute("**/chat/api/messages")

    await write(page, "chào")  # the second in a minute (after start): allowed
    await expect(page.locator("#error")).to_be_hidden()
    await write(page, "chào nữa")
    await expect(page.locator("#error")).to_have_text(WORDS["rate_limited"])  # a real 429

    await page.route("**/chat/api/messages", lambda route: route.abort())
    await write(page, "có ai không")
    await expect(page.locator("#error")).to_have_text(WORDS["unavailable"])
    await expect(page.locator('#error a[href="tel:111"]')).to_have_text("111")
    assert violations == []


async def test_quick_exit_leaves_for_good(make_client: AppFactory, browser: Browser) -> None:
    client = await make_client(worker_tasks=2)
    base = str(client.make_url("")).rstrip("/")
    violations: list[str] = []
    for how in ("button", "escape"):
        page = await child_page(browser, violations)
        await start(page, base)
        if how == "button":
            await page.get_by_role("button", name=WORDS["quick_exit"]).click()
        else:
            await page.keyboard.press("Escape")
            await page.keyboard.press("Escape")
        await page.wait_for_url(EXIT)
        await page.go_back()
        assert "/chat" not in page.url, how  # replaced, not pushed: Back does not return
    assert violations == []


async def test_the_page_is_served_with_its_csp(make_client: AppFactory, browser: Browser) -> None:
    client = await make_client(worker_tasks=2)
    base = str(client.make_url("")).rstrip("/")
    violations: list[str] = []
    page = await child_page(browser, violations)
    opening = lambda r: r.method == "POST" and r.url.endswith("/chat/api/chats")  # noqa: E731
    async with page.expect_request(opening) as opened:
        response = await page.goto(f"{base}/chat")
    assert response is not None
    # the page's own posts name their origin (never `null`), which the server checks
    assert await (await opened.value).header_value("origin") == base
    csp = await response.header_value("content-security-policy") or ""
    for rule in ("script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"):
        assert rule in csp
    await expect(page.locator("#log .bot").first).to_contain_text("trợ lý tự động")
    blocked = await page.evaluate(  # an injected inline script does not run
        """() => { const s = document.createElement('script');
                   s.textContent = 'window.ran = true'; document.body.appendChild(s);
                   return window.ran === true; }"""
    )
    assert blocked is False
    icon = await page.evaluate("document.querySelector('link[rel=icon]').href")
    assert (await client.get(icon.removeprefix(base))).content_type == "image/svg+xml"
    assert violations  # that refusal is the only violation, and the page says so
    assert all("inline script" in v or "script-src" in v for v in violations)
