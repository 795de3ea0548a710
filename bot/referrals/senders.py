"""How a package leaves: an e-mail over SMTP with the package attached as JSON and a
human-readable summary in the body, or a download for portals with no API (the counselor
submits it through the recipient's own form, then marks the referral sent).

The e-mail uses the on-call notifier's SMTP settings (SMTP_HOST, SMTP_PORT, SMTP_SECURITY,
SMTP_USER, SMTP_PASSWORD, SMTP_FROM) and its rules: without them it is disabled and says why,
never open. A failure is a result with a short reason (an SMTP code or an error class), never
the server's text, and the referral stays "drafted".
"""

from typing import Protocol

from bot.mail import new_message, send_mail
from bot.oncall.notifiers import EmailNotifier, Outcome
from bot.referrals.packages import Package
from bot.settings import Settings


class Sender(Protocol):
    name: str
    problem: str  # why it is disabled, "" when it is not

    async def send(self, to: str, subject: str, package: Package) -> Outcome: ...


class EmailSender:
    name = "email"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.problem = EmailNotifier(settings).problem  # the same SMTP settings, same rules

    async def send(self, to: str, subject: str, package: Package) -> Outcome:
        if self.problem:
            return Outcome(False, "disabled")
        message = new_message(self._settings, to, subject)
        message.set_content(f"{package.text}\n\nSHA-256 ({package.filename}): {package.sha256}\n")
        message.add_attachment(
            package.body, maintype="application", subtype="json", filename=package.filename
        )
        failed = await send_mail(self._settings, message)
        return Outcome(not failed, failed or "sent")


class DownloadSender:
    """A portal with no API: the package is downloaded, nothing is sent from here."""

    name = "download"
    problem = ""

    async def send(self, to: str, subject: str, package: Package) -> Outcome:
        return Outcome(False, "download_only")


def senders(settings: Settings) -> dict[str, Sender]:
    return {"email": EmailSender(settings), "download": DownloadSender()}
