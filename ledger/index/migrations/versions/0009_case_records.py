"""Case records (issue 12 item 4): the reason and place an officer gives for an inspection or a theft
report, beside its anchor, and inspections of codes the ledger does not know.

Revision 0009, after 0008.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'caserecord',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('party', sa.String(length=42), nullable=False),
        sa.Column('action', sa.String(length=24), nullable=False),
        sa.Column('outcome', sa.String(length=24), nullable=False),
        sa.Column('reason', sa.String(length=400), nullable=False),
        sa.Column('location', sa.String(length=200), nullable=False),
        sa.Column('tx_hash', sa.String(length=66), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_caserecord_key', 'caserecord', ['key', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_caserecord_key', table_name='caserecord')
    op.drop_table('caserecord')
