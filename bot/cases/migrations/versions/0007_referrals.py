"""Referrals to the response network (bot/referrals): recipients, routing rules, referrals
with their status history, and export records.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "referral_recipients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(40), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("platforms", sa.String(200), nullable=False),
        sa.Column("sender", sa.String(16), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("url", sa.String(300), nullable=False),
        sa.Column("shape", sa.String(24), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_table(
        "referral_rules",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("platform", sa.String(40), nullable=False),
        sa.Column(
            "recipient_id", sa.Integer, sa.ForeignKey("referral_recipients.id"), nullable=False
        ),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.UniqueConstraint("category", "platform", "recipient_id", name="uq_referral_rule"),
    )
    op.create_table(
        "network_referrals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column(
            "recipient_id", sa.Integer, sa.ForeignKey("referral_recipients.id"), nullable=False
        ),
        sa.Column("recipient_name", sa.String(200), nullable=False),
        sa.Column("platform", sa.String(40), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("shape", sa.String(24), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("outcome", sa.String(24), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("priority_reason", sa.String(300), nullable=False),
        sa.Column("last_error", sa.String(80), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("reported_at", WHEN, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("sent_at", WHEN),
        sa.Column("actioned_at", WHEN),
    )
    op.create_table(
        "referral_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "referral_id",
            sa.Integer,
            sa.ForeignKey("network_referrals.id"),
            nullable=False,
            index=True,
        ),  # fmt: skip
        sa.Column("at", WHEN, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=False),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(80), nullable=False),
    )
    op.create_table(
        "referral_exports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "referral_id",
            sa.Integer,
            sa.ForeignKey("network_referrals.id"),
            nullable=False,
            index=True,
        ),  # fmt: skip
        sa.Column("at", WHEN, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("shape", sa.String(24), nullable=False),
        sa.Column("how", sa.String(16), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("referral_exports")
    op.drop_table("referral_events")
    op.drop_table("network_referrals")
    op.drop_table("referral_rules")
    op.drop_table("referral_recipients")
