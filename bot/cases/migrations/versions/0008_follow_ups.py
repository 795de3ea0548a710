"""A case that is the follow-up of an earlier case of the same person (a person who comes
back about the same matter): its contacts count, it is not counted as a new case.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    with op.batch_alter_table("cases") as cases:
        cases.add_column(sa.Column("follow_up_of", sa.Integer, nullable=True))
        cases.create_index("ix_cases_follow_up_of", ["follow_up_of"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as cases:
        cases.drop_index("ix_cases_follow_up_of")
        cases.drop_column("follow_up_of")
