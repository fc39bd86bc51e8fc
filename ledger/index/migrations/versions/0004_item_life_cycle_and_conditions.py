"""An item's one ``status`` becomes its life-cycle state and the conditions that coexist with it.

Revision 0004, after 0003. ``status`` kept one word, so an item reported stolen and then
recalled read only "recalled": the conditions are therefore recomputed from the item's events
(a theft report or a recall ever), the life-cycle from the final statuses, and ``inspection``
from the outcome of the item's latest inspection (the anchor's signed reference).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OUTCOMES = {  # InspectionOutcome.reference_hex: the outcome's name, right-padded to 32 bytes
    name: "0x" + name.encode().ljust(32, b"\0").hex() for name in ("passed", "held", "seized", "suspected_counterfeit")}


def upgrade() -> None:
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('life_cycle', sa.String(length=16), nullable=False, server_default='active'))
        batch_op.add_column(sa.Column('stolen', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('recalled', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('inspection', sa.String(length=24), nullable=True))
    op.execute("UPDATE item SET life_cycle = status WHERE status IN ('sold', 'destroyed', 'decommissioned')")
    op.execute("UPDATE item SET stolen = EXISTS (SELECT 1 FROM event e WHERE e.item_id = item.item_id AND e.action = 4), "
               "recalled = EXISTS (SELECT 1 FROM event e WHERE e.item_id = item.item_id AND e.action = 3)")
    outcome = " ".join(f"WHEN '{hex_}' THEN '{name}'" for name, hex_ in _OUTCOMES.items())
    op.execute(f"UPDATE item SET inspection = (SELECT CASE a.reference {outcome} END FROM event e "
               "JOIN anchor a ON a.root = e.anchor_root WHERE e.item_id = item.item_id AND e.action = 8 "
               "ORDER BY e.seq DESC LIMIT 1)")
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_column('status')
        # The models give no server defaults: drop the ones that only filled the existing rows.
        batch_op.alter_column('life_cycle', server_default=None)
        batch_op.alter_column('stolen', server_default=None)
        batch_op.alter_column('recalled', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.VARCHAR(length=16), nullable=False, server_default='active'))
    op.execute("UPDATE item SET status = CASE WHEN life_cycle <> 'active' THEN life_cycle WHEN stolen THEN 'stolen' "
               "WHEN recalled THEN 'recalled' ELSE 'active' END")
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.alter_column('status', server_default=None)
        batch_op.drop_column('inspection')
        batch_op.drop_column('recalled')
        batch_op.drop_column('stolen')
        batch_op.drop_column('life_cycle')
