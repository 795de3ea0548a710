"""The desk's records: contacts (each time a person reached the hotline, linked to a case),
who handled a case, notes, the referral directory and referrals, and what the person's own
words gave (age, links, usernames, phone-like strings) on the case.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("cases") as cases:
        cases.add_column(sa.Column("found", sa.Text, nullable=False, server_default=""))
        cases.add_column(sa.Column("counselor", sa.String(64), nullable=False, server_default=""))
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), index=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("conversation_ref", sa.String(64), nullable=False, index=True),
        sa.Column("started_at", WHEN, nullable=False, index=True),
        sa.Column("ended_at", WHEN),
        sa.Column("counselor", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
    )
    op.create_table(
        "case_counselors",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), primary_key=True),
        sa.Column("username", sa.String(64), primary_key=True, index=True),
    )
    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_table(
        "directory",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("phone", sa.String(60), nullable=False),
        sa.Column("area", sa.String(100), nullable=False),
        sa.Column("when_to_refer", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_table(
        "case_referrals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("service_id", sa.Integer, sa.ForeignKey("directory.id"), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("counselor", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(60), nullable=False),
    )


def downgrade() -> None:
    for table in ("case_referrals", "directory", "case_notes", "case_counselors", "contacts"):
        op.drop_table(table)
    with op.batch_alter_table("cases") as cases:
        cases.drop_column("counselor")
        cases.drop_column("found")
