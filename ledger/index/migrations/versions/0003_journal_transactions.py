"""The journal keeps each action's signed transaction (hash, sender, nonce, bytes) until the chain settles it.

Revision 0003, after 0002. Entries journalled by an older ledger carry no transaction, and a
dropped receipt could not be told from a lost transaction without one, so an index whose journal
is not empty is refused (nothing changes) with what to run first.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ledger.errors import StateConflict

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    waiting = op.get_bind().execute(sa.text("SELECT count(*) FROM pendingaction")).scalar_one()
    if waiting:
        raise StateConflict("the index's journal", f"holds {waiting} actions journalled by the previous version of the ledger; "
                                                   "run `ledger sync` with that version to finish them, then upgrade")
    with op.batch_alter_table('pendingaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tx_hash', sa.String(length=66), nullable=False))
        batch_op.add_column(sa.Column('sender', sa.String(length=42), nullable=False))
        batch_op.add_column(sa.Column('nonce', sa.Integer(), nullable=False))
        batch_op.add_column(sa.Column('raw_tx', sa.Text(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('pendingaction', schema=None) as batch_op:
        batch_op.drop_column('raw_tx')
        batch_op.drop_column('nonce')
        batch_op.drop_column('sender')
        batch_op.drop_column('tx_hash')
