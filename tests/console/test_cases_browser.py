"""Cases in a real Chromium: the case panel of a returning child (their earlier case with its
summary and note, a note added, a referral picked from the directory, the usernames found in
their words), the search page, and the statistics page by quarter."""

from datetime import datetime

from playwright.async_api import Browser, expect
from sqlalchemy import select

from bot.appkeys import CASES, DATABASE, SETTINGS
from bot.cases.casefile import CaseFile
from bot.cases.db import sessions
from bot.cases.models import AuditEntry, Case, CaseNote, Referral
from bot.cases.stats import LOCAL
from bot.logs import user_ref
from tests.conftest import AppFactory
from tests.console.conftest import add_account
from tests.console.test_browser import browser, log_in, new_page
from tests.test_conversations import Chat

__all__ = ["browser"]


def base_url(client: object) -> str:
    return str(client.make_url("")).rstrip("/")  # type: ignore[attr-defined]


async def test_the_case_panel_of_a_returning_child(
    make_client: AppFactory, browser: Browser
) -> None:
    client = await make_client()
    base = base_url(client)
    child = Chat(client)
    key = client.server.app[SETTINGS].log_hash_key.reveal().encode()
    person = user_ref(key, "webchat", await child.open())  # as the bot names them
    records = client.server.app[CASES]
    first = await records.open_or_update("webchat", person, "report_bullying", contact=True)
    await records.handled(first, "minh", took=True)  # an earlier case, minh took it
    await CaseFile(sessions(client.server.app[DATABASE])).add_note(
        first, "minh", "Em ở với bà ngoại."
    )
    await records.close(
        first, "minh", ["school"], "consultation", summary="Bị chửi trong nhóm lớp"
    )

    await add_account(client, "lan")
    lan = await new_page(browser)
    await log_in(lan, base, "lan")
    await child.send(text="em lại bị chửi, đứa đó nick là BoiCute99")
    await child.send(payload="COUNSELOR")
    await expect(lan.locator("#queue .item")).to_have_count(1)
    await lan.click("#take-next")
    panel = lan.locator("#case-panel")
    await expect(panel.locator("#case-history .past-case")).to_have_count(1)
    await expect(panel.locator("#case-history")).to_contain_text("Bị chửi trong nhóm lớp")
    await expect(panel.locator("#case-history")).to_contain_text("minh: Em ở với bà ngoại.")
    await expect(panel.locator("#found-usernames")).to_have_value("BoiCute99")

    await lan.fill("#note-text", 'Hẹn em nhắn lại tối mai <img src=x onerror="alert(1)">')
    await lan.click("#note-add")
    await expect(panel.locator("#case-notes .note")).to_have_count(1)
    await expect(panel.locator("#case-notes")).to_contain_text("<img src=x")  # as text
    assert await panel.locator("#case-notes img").count() == 0
    await lan.click("#refer")  # nothing chosen: the error stands by the button
    await expect(panel.locator("#refer-error")).to_be_visible()
    await lan.select_option("#refer-service", label="Cấp cứu y tế · 115")
    await lan.click("#refer")
    await expect(panel.locator("#case-referrals")).to_contain_text("Cấp cứu y tế · 115 (lan)")
    await expect(panel.locator("#refer-error")).to_be_hidden()
    await lan.click(f"#follow-up-{first}")  # the same matter as the earlier case
    await expect(panel.locator("#follow-up-state")).to_contain_text("tính là một ca")
    await expect(panel.locator(f"#follow-up-{first}")).to_have_text("Không phải cùng việc")

    async with client.server.app[DATABASE].connect() as db:
        notes = (await db.execute(select(CaseNote.author, CaseNote.text))).all()
        referred = (await db.execute(select(Referral.counselor, Referral.phone))).all()
        actions = set((await db.execute(select(AuditEntry.actor, AuditEntry.action))).all())
        follows = (await db.execute(select(Case.follow_up_of).where(Case.id != first))).all()
    assert follows == [(first,)]
    assert ("lan", 'Hẹn em nhắn lại tối mai <img src=x onerror="alert(1)">') in notes
    assert referred == [("lan", "115")]
    assert {("lan", "note"), ("lan", "refer"), ("lan", "view_history"),
            ("lan", "follow_up")} <= actions  # fmt: skip


async def test_the_search_page_finds_a_username_among_ones_own_cases(
    make_client: AppFactory, browser: Browser
) -> None:
    client = await make_client()
    records = client.server.app[CASES]
    mine = await records.open_or_update(
        "messenger", "p1", "report_grooming", platform="facebook",
        summary="đứa tên BoiCute99 nhắn tin dụ dỗ", contact=True,
    )  # fmt: skip
    await records.handled(mine, "lan", took=True)
    await records.close(mine, "lan", ["report_grooming"], "intervention", summary="Đã báo 113")
    other = await records.open_or_update("zalo", "p2", "report_scam", summary="BoiCute99 lừa")
    await records.handled(other, "minh")
    await add_account(client, "lan")
    page = await new_page(browser)
    await log_in(page, base_url(client), "lan")

    await page.goto(base_url(client) + "/console/cases")
    await page.fill("#case-search input[name=username]", "boicute")
    await page.select_option("#case-search select[name=status]", "closed")
    await page.click("#find")
    rows = page.locator("#results tr.case")
    await expect(rows).to_have_count(1)  # minh's case stays out of lan's search
    await expect(rows.first).to_contain_text(f"#{mine}")
    await expect(rows.first).to_contain_text("Trẻ em bị dụ dỗ/gạ gẫm trên MTM")
    await expect(rows.first).to_contain_text("Đã báo 113")
    await rows.first.locator("a").click()
    await expect(page.locator("#case-detail")).to_contain_text("BoiCute99")
    await page.goto(base_url(client) + "/console/cases?status=open")
    await expect(page.locator("#none-found")).to_be_visible()


async def test_the_statistics_page_by_quarter(make_client: AppFactory, browser: Browser) -> None:
    client = await make_client()
    records = client.server.app[CASES]
    for ref, categories in (("a", ["crisis_self_harm"]), ("b", ["report_scam", "family"]),
                            ("c", ["contact_test"])):  # fmt: skip
        case_id = await records.open_or_update("webchat", ref, "unknown", contact=True)
        await records.close(case_id, "lan", categories, "consultation")
    await records.open_or_update("webchat", "d", "unknown", contact=True)  # still waiting
    await add_account(client, "lan")
    page = await new_page(browser)
    await log_in(page, base_url(client), "lan")
    today = datetime.now(LOCAL).date()
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"

    await page.goto(base_url(client) + "/console/stats")
    await page.fill("input[name=from]", today.replace(month=1, day=1).isoformat())
    await page.fill("input[name=to]", today.isoformat())
    await page.select_option("select[name=by]", "quarter")
    await page.get_by_role("button", name="Xem").click()
    table = page.locator("#stats-table")
    await expect(table.locator("thead")).to_contain_text(quarter)

    def cell(label: str):  # type: ignore[no-untyped-def]
        return table.locator("tr", has_text=label).first.locator("td.n").last

    await expect(cell("Số cuộc liên hệ đến")).to_have_text("4")
    await expect(cell("Số cuộc liên hệ được ghi nhận thành ca")).to_have_text("2")
    await expect(cell("Số ca tư vấn chuyên sâu")).to_have_text("2")
    await expect(table.locator("tr.total td.n").last).to_have_text("2")  # cases, not categories
    bars = page.locator("#chart g.bar")  # contacts received beside cases, per period
    contacts, cases = bars.locator("rect.contacts title"), bars.locator("rect.cases title")
    await expect(contacts).to_have_count((today.month - 1) // 3 + 1)  # since 1 January
    await expect(contacts.last).to_have_text(f"{quarter} · Liên hệ: 4")
    await expect(cases.last).to_have_text(f"{quarter} · Ca: 2")
    href = await page.locator("#csv").get_attribute("href") or ""
    assert "by=quarter" in href
