"""How a package leaves: an e-mail over SMTP with the package attached as JSON and a
human-readable summary in the body, or a download for portals with no API (the counselor
submits it through the recipient's own form, then marks the referral sent).

The e-mail uses the on-call notifier's SMTP settings (SMTP_HOST, SMTP_PORT, SMTP_SECURITY,
SMTP_USER, SMTP_PASSWORD, SMTP_FROM) and its rules: without them it is disabled and says why,
never open. A failure is a result with a short reason (an SMTP code or an error class), never
the server's text, and the referral stays "drafted".
"""

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

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
        message = EmailMessage()
        message["From"] = self._settings.smtp_from
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain=self._settings.smtp_from.rpartition("@")[2])
        message.set_content(f"{package.text}\n\nSHA-256 ({package.filename}): {package.sha256}\n")
        message.add_attachment(
            package.body, maintype="application", subtype="json", filename=package.filename
        )
        try:
            await asyncio.to_thread(self._deliver, message)
        except smtplib.SMTPResponseException as error:
            return Outcome(False, f"smtp:{error.smtp_code}")
        except (smtplib.SMTPException, OSError) as error:  # refused, TLS, timeout, DNS
            return Outcome(False, type(error).__name__)
        return Outcome(True, "sent")

    def _deliver(self, message: EmailMessage) -> None:
        s = self._settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.smtp_security == "ssl":
            smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout,
                                    context=context)  # fmt: skip
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
        with smtp:
            smtp.ehlo()
            if s.smtp_security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password.reveal())
            smtp.send_message(message)


class DownloadSender:
    """A portal with no API: the package is downloaded, nothing is sent from here."""

    name = "download"
    problem = ""

    async def send(self, to: str, subject: str, package: Package) -> Outcome:
        return Outcome(False, "download_only")


def senders(settings: Settings) -> dict[str, Sender]:
    return {"email": EmailSender(settings), "download": DownloadSender()}
