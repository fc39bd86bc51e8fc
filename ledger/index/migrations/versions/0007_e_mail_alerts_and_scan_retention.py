"""E-mail alerts and scan retention (issue 13): a subscription's e-mail address, the weekly scan aggregates
that outlive purged raw scans, and the log of purges.

Revision 0007, after 0006; written 2026-11-30 01:23:38.295227.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('scanaggregate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Integer(), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('lat_grid', sa.Integer(), nullable=True),
    sa.Column('lon_grid', sa.Integer(), nullable=True),
    sa.Column('scans', sa.Integer(), nullable=False),
    sa.Column('suspect', sa.Integer(), nullable=False),
    sa.Column('counterfeit', sa.Integer(), nullable=False),
    sa.Column('stolen', sa.Integer(), nullable=False),
    sa.Column('flagged', sa.Integer(), nullable=False),
    sa.Column('site', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('scanaggregate', schema=None) as batch_op:
        batch_op.create_index('ix_scanaggregate_week', ['week'], unique=False)

    op.create_table('scanpurge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purged_before', sa.Integer(), nullable=False),
    sa.Column('purged_at', sa.Integer(), nullable=False),
    sa.Column('scans', sa.Integer(), nullable=False),
    sa.Column('aggregates', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.drop_column('email')

    op.drop_table('scanpurge')
    with op.batch_alter_table('scanaggregate', schema=None) as batch_op:
        batch_op.drop_index('ix_scanaggregate_week')

    op.drop_table('scanaggregate')
