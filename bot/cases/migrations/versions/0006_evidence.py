"""Evidence items as a hash chain per case, and repeat targets (bot/evidence).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "evidence_chain",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("op", sa.String(16), nullable=False),
        sa.Column("item", sa.Integer, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("case_id", "seq", name="uq_evidence_chain_case_seq"),
    )
    op.create_table(
        "evidence_targets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("platform", sa.String(40), nullable=False),
        sa.Column("value", sa.String(300), nullable=False),
        sa.Column("first_at", WHEN, nullable=False),
    )
    op.create_table(
        "evidence_target_cases",
        sa.Column("target_id", sa.Integer, sa.ForeignKey("evidence_targets.id"), primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), primary_key=True, index=True),
        sa.Column("at", WHEN, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("evidence_target_cases")
    op.drop_table("evidence_targets")
    op.drop_table("evidence_chain")
