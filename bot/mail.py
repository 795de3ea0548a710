"""E-mail through the deployment's SMTP relay (SMTP_* settings): one way to build and send a
message, used by the on-call pages and by referrals. stdlib smtplib, in a thread."""

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from bot.settings import Settings


def new_message(settings: Settings, to: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2])
    return message


async def send_mail(settings: Settings, message: EmailMessage) -> str:
    """Sends; "" when the relay took it, else why not (an SMTP code or the error's kind,
    never a secret)."""
    try:
        await asyncio.to_thread(_deliver, settings, message)
    except smtplib.SMTPResponseException as error:
        return f"smtp:{error.smtp_code}"
    except (smtplib.SMTPException, OSError) as error:  # refused, TLS, timeout, DNS
        return type(error).__name__
    return ""


def _deliver(s: Settings, message: EmailMessage) -> None:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if s.smtp_security == "ssl":
        smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout, context=context)
    else:
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
    with smtp:
        smtp.ehlo()
        if s.smtp_security == "starttls":
            smtp.starttls(context=context)  # refuses a server that does not offer it
            smtp.ehlo()
        if s.smtp_user:
            smtp.login(s.smtp_user, s.smtp_password.reveal())
        smtp.send_message(message)
