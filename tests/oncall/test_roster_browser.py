"""The roster page in real Chromium: a supervisor adds people, is told in Vietnamese what was
wrong, reorders and removes; every change audited; a counselor sees only a refusal. And the
counselor on call opening the page's link on their phone: log in, confirm, back to the desk."""

import re

from playwright.async_api import Browser, expect
from sqlalchemy import select

from bot.appkeys import DATABASE, HANDOFFS
from bot.cases.db import sessions
from bot.cases.models import AuditEntry
from bot.oncall.pager import PAGER
from tests.conftest import AppFactory
from tests.console.conftest import PASSWORD, add_account
from tests.console.test_browser import browser, log_in, new_page
from tests.fakes.smtp import FakeSmtp

__all__ = ["browser"]  # the Chromium fixture, used by name below


async def test_a_supervisor_keeps_the_roster_and_a_counselor_is_refused(
    make_client: AppFactory, browser: Browser
) -> None:
    client = await make_client()
    base = str(client.make_url("")).rstrip("/")
    for name, role in (("hoa", "supervisor"), ("lan", "counselor"), ("minh", "counselor")):
        await add_account(client, name, role)
    hoa = await new_page(browser)
    await log_in(hoa, base, "hoa")
    await hoa.get_by_role("link", name="Trực đêm").click()
    await expect(hoa.locator("#roster")).to_contain_text("Chưa có ai trong danh sách trực.")

    form = hoa.locator("#oncall-add")
    await form.locator("input[name=username]").fill("lan")
    await form.locator("input[name=email]").fill("lan@111.example.vn")
    await form.locator("select[name=channel]").select_option("zalo")
    await form.locator("input[name=channel_user_id]").fill("8412345670001")
    await form.locator("input[name=hours]").fill("22-06")
    await form.locator("button[type=submit]").click()
    await expect(hoa.locator("#oncall-done")).to_have_text("Đã thêm vào danh sách trực.")
    lan_row = hoa.locator("#roster tr[data-username=lan]")
    await expect(lan_row).to_contain_text("22-06")
    await expect(lan_row).to_contain_text("…0001")  # the account id is never shown whole
    await expect(lan_row).to_contain_text("người trực cần nhắn một tin cho OA/trang")

    await form.locator("input[name=username]").fill("minh")
    await form.locator("input[name=hours]").fill("25-99")
    await form.locator("button[type=submit]").click()
    await expect(hoa.locator("#oncall-problem")).to_have_text(
        "Cần ít nhất thư điện tử hoặc tài khoản trên OA/trang."
    )
    await form.locator("input[name=username]").fill("minh")
    await form.locator("input[name=email]").fill("minh@111.example.vn")
    await form.locator("input[name=hours]").fill("25-99")
    await form.locator("button[type=submit]").click()
    await expect(hoa.locator("#oncall-problem")).to_have_text("Giờ trực phải có dạng 22-06.")
    await form.locator("input[name=username]").fill("minh")
    await form.locator("input[name=email]").fill("minh@111.example.vn")
    await form.locator("button[type=submit]").click()
    await expect(hoa.locator("#roster tbody tr")).to_have_count(2)

    await hoa.locator("#roster tr[data-username=minh] button.up").click()
    await expect(hoa.locator("#roster tbody tr").first).to_have_attribute("data-username", "minh")
    await hoa.locator("#roster tr[data-username=lan] button.remove").click()
    await expect(hoa.locator("#oncall-done")).to_have_text("Đã bỏ khỏi danh sách trực.")
    await expect(hoa.locator("#roster tbody tr")).to_have_count(1)

    lan = await new_page(browser)
    await log_in(lan, base, "lan")
    await expect(lan.get_by_role("link", name="Trực đêm")).to_have_count(0)
    await lan.goto(f"{base}/console/oncall")
    await expect(lan.locator("#oncall-refused")).to_contain_text(
        "Chỉ giám sát viên được xem và thay đổi danh sách trực."
    )
    assert await lan.locator("#oncall-add").count() == 0

    async with sessions(client.server.app[DATABASE])() as db:
        rows = await db.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith("oncall_"))
            .order_by(AuditEntry.id)
        )  # fmt: skip
        done = [(e.actor, e.action, e.detail) for e in rows]
    assert done == [
        ("hoa", "oncall_add", "lan: zalo, email, 22-06"),
        ("hoa", "oncall_add", "minh: email"),
        ("hoa", "oncall_move", "minh: 1"),
        ("hoa", "oncall_remove", "lan"),
    ]


async def test_the_counselor_on_call_opens_the_link_logs_in_and_acknowledges(
    make_client: AppFactory, browser: Browser, smtp: FakeSmtp
) -> None:
    client = await make_client(
        smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_security="none",
        smtp_from="truc-dem@111.example.vn", public_url="http://placeholder",
    )  # fmt: skip
    app = client.server.app
    base = str(client.make_url("")).rstrip("/")
    await add_account(client, "minh")
    await app[PAGER].roster.add("hoa", "minh", "minh@111.example.vn")
    conv, _ = await app[HANDOFFS].queue.join(
        "webchat", "child-1", "imminent", app[HANDOFFS].now_ms(), {}
    )
    await app[PAGER].tick()
    [mail] = smtp.messages
    link = mail.get_content().strip().rsplit(" ", 1)[1].replace("http://placeholder", base)

    phone = await new_page(browser)
    await phone.goto(link)
    await expect(phone).to_have_url(re.compile(re.escape(f"{base}/console/login?next=")))
    await phone.fill("input[name=username]", "minh")  # nobody is logged in yet
    await phone.fill("input[name=password]", PASSWORD)
    await phone.click("button[type=submit]")
    await expect(phone).to_have_url(link)  # straight back to the page's link
    await expect(phone.locator("#oncall-ack")).to_contain_text("Có trẻ cần hỗ trợ khẩn cấp")
    await phone.click("#ack")
    await expect(phone).to_have_url(f"{base}/console/")
    [paged] = await app[PAGER].paging()
    assert (paged.handoff_id, paged.acked) == (conv, "minh")
