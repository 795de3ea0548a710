"""The on-call roster table, on the same `Base` as the case records (one schema, one set of
migrations). The contact ids here are the counselors' own accounts, given by them so the
bot's OA or page can call them: never a child's id, which stays out of SQL."""

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.cases.models import Base, now


class OnCallMember(Base):
    """One person on the roster, in the order they are called (`position`, lowest first)."""

    __tablename__ = "oncall_roster"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # their console account
    position: Mapped[int] = mapped_column(default=0)
    email: Mapped[str] = mapped_column(String(254), default="")
    channel: Mapped[str] = mapped_column(String(16), default="")  # zalo | messenger | ""
    channel_user_id: Mapped[str] = mapped_column(String(64), default="")
    hours: Mapped[str] = mapped_column(String(16), default="")  # "22-06" local time; "" always
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
