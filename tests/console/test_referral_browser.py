"""Referrals on the desk in a real Chromium, with the fake SMTP server: a counselor creates
a referral from a child's grooming report, sends it (the fake receives an e-mail whose JSON
attachment's SHA-256 is the one the panel shows), moves it to "actioned" (the panel offers
only the allowed moves), the statistics page shows it in row 4.3, and the case's own page
shows it later. Then the recipients and routing page: a supervisor adds a rule, a counselor
only reads."""

import hashlib

from playwright.async_api import Browser, expect
from sqlalchemy import select

from bot.appkeys import CONTENT, DATABASE
from bot.cases.db import sessions
from bot.referrals.models import NetworkReferral
from bot.referrals.recipients import Entry, Recipients
from tests.conftest import AppFactory
from tests.console.conftest import add_account
from tests.console.test_browser import browser, log_in, new_page
from tests.console.test_referral_api import CLIP, grooming_report, smtp, smtp_on
from tests.fakes.smtp import FakeSmtp
from tests.test_conversations import Chat

__all__ = ["browser", "smtp"]
NAME = "TikTok Trust & Safety (thử)"


async def test_a_counselor_refers_a_case_sends_it_and_sees_it_actioned_in_4_3(
    make_client: AppFactory, browser: Browser, smtp: FakeSmtp
) -> None:
    client = await make_client(**smtp_on(smtp))
    base = str(client.make_url("")).rstrip("/")
    app = client.server.app
    await add_account(client, "lan")
    found = Recipients(sessions(app[DATABASE]), app[CONTENT].node("recipients"))
    await found.seed()
    await found.add("hoa", Entry(NAME, "platform", "email", "cybertipline", "tiktok",
                                 "ts@tiktok.example"))  # fmt: skip
    lan = await new_page(browser)
    await log_in(lan, base, "lan")

    await grooming_report(Chat(client), f"nó tên là BoiCute99, link nè {CLIP}")
    await expect(lan.locator("#queue .item")).to_have_count(1)
    await lan.click("#take-next")
    panel = lan.locator("#referral-panel")
    await expect(panel.locator("#referral-none")).to_be_visible()
    link = panel.locator("#referral-recipients-link")
    assert await link.get_attribute("href") == "/console/referrals/recipients"
    await lan.select_option("#referral-recipient", label=f"{NAME} (E-mail)")
    await lan.fill("#referral-summary", "Người này tặng quà, bảo em giữ bí mật <b>x</b>")
    await lan.fill("#referral-priority", "Đang hẹn gặp trẻ")
    await lan.click("#referral-create")
    referral = panel.locator("#referral-list .referral")
    await expect(referral).to_have_count(1)
    await expect(referral.locator(".referral-status")).to_have_text("Bản nháp")
    await expect(referral).to_contain_text("<b>x</b>")  # text, never markup

    await referral.locator(".referral-send").click()
    await expect(referral.locator(".referral-status")).to_have_text("Đã gửi")
    shown = await referral.locator(".referral-sha").get_attribute("data-sha256")
    [message] = smtp.messages
    [attached] = list(message.iter_attachments())
    body = attached.get_content()
    assert hashlib.sha256(body if isinstance(body, bytes) else body.encode()).hexdigest() == shown

    await referral.locator(".referral-move[data-to=acknowledged]").click()
    await expect(referral.locator(".referral-status")).to_have_text("Nơi nhận đã xác nhận")
    await referral.locator(".referral-outcome").select_option("content_removed")
    await referral.locator(".referral-move[data-to=actioned]").click()
    await expect(referral.locator(".referral-status")).to_have_text("Đã xử lý")
    await expect(referral.locator(".referral-outcome-shown")).to_have_text("Đã gỡ nội dung")
    await expect(referral.locator(".referral-history li")).to_have_count(4)
    assert await referral.locator(".referral-move").count() == 0  # nowhere further to go

    await lan.click("text=Thống kê")
    total = lan.locator("#outcomes-table tr.total")
    await expect(total.locator("td[data-column=actioned]")).to_have_text("1")
    await expect(total.locator("td[data-column=content_removed]")).to_have_text("1")
    await expect(total.locator("td[data-column=referred]")).to_have_text("1")
    tiktok = lan.locator("#outcomes-table tr[data-platform=tiktok]")
    await expect(tiktok.locator("td").first).to_have_text("TikTok")

    async with sessions(app[DATABASE])() as db:  # days later, from the case's own page
        case_id = await db.scalar(select(NetworkReferral.case_id))
    await lan.goto(f"{base}/console/cases/{case_id}")
    later = lan.locator("#referral-panel #referral-list .referral")
    await expect(later.locator(".referral-status")).to_have_text("Đã xử lý")
    await expect(later.locator(".referral-sha")).to_have_attribute("data-sha256", shown or "")


async def test_recipients_and_routing_supervisors_edit_counselors_read(
    make_client: AppFactory, browser: Browser
) -> None:
    client = await make_client()
    base = str(client.make_url("")).rstrip("/")
    await add_account(client, "lan")
    await add_account(client, "hoa", role="supervisor")
    hoa = await new_page(browser)
    await log_in(hoa, base, "hoa")
    await hoa.goto(f"{base}/console/referrals/recipients")
    await expect(hoa.locator("#recipients .recipient")).to_have_count(9)  # the seed
    before = await hoa.locator("#rules .rule").count()
    await hoa.select_option("#add-rule select[name=category]", "report_scam")
    await hoa.select_option("#add-rule select[name=platform]", "zalo")
    await hoa.select_option(
        "#add-rule select[name=recipient_id]",
        label="Zalo (Công ty Cổ phần VNG) - bộ phận xử lý vi phạm",
    )
    await hoa.click("#add-rule-button")
    await expect(hoa.locator("#rules .rule")).to_have_count(before + 1)
    await expect(hoa.locator("#rules")).to_contain_text("Trẻ em bị lừa tiền trên MTM")
    await hoa.fill("#add-recipient input[name=name]", "Tổ chức thử")
    await hoa.select_option("#add-recipient select[name=sender]", "email")
    await hoa.click("#add")  # an e-mail sender with no address
    await expect(hoa.locator("#form-error")).to_contain_text("Địa chỉ e-mail không hợp lệ")

    lan = await new_page(browser)
    await log_in(lan, base, "lan")
    await lan.goto(f"{base}/console/referrals/recipients")
    await expect(lan.locator("#rules")).to_contain_text("Trẻ em bị lừa tiền trên MTM")
    assert await lan.locator("form#add-rule, form#add-recipient").count() == 0
