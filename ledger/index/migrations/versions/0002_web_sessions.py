"""Web sessions: one row per signed-in browser, so sign-out and user removal end it on the server.

Revision 0002, after 0001; written 2026-11-29 22:37:33.238343.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('websession',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('user', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user'], ['webuser.name'], ),
    sa.PrimaryKeyConstraint('id_hash')
    )
    with op.batch_alter_table('websession', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_websession_user'), ['user'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('websession', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_websession_user'))

    op.drop_table('websession')
