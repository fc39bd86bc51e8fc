"""Product identity and identification guides (issue 12): products, their pictures and their identifying features.

Revision 0006, after 0005.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('product',
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('brand', sa.String(length=42), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('pack_size', sa.String(length=80), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['brand'], ['party.address'], ),
    sa.PrimaryKeyConstraint('gtin')
    )
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_brand'), ['brand'], unique=False)

    op.create_table('productimage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('media_type', sa.String(length=16), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['gtin'], ['product.gtin'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('gtin', 'sha256', name='uq_productimage_gtin_sha256')
    )
    with op.batch_alter_table('productimage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_productimage_gtin'), ['gtin'], unique=False)
        batch_op.create_index(batch_op.f('ix_productimage_sha256'), ['sha256'], unique=False)

    op.create_table('productfeature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('image', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['gtin'], ['product.gtin'], ),
    sa.ForeignKeyConstraint(['image'], ['productimage.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('productfeature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_productfeature_gtin'), ['gtin'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('productfeature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_productfeature_gtin'))
    op.drop_table('productfeature')
    with op.batch_alter_table('productimage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_productimage_sha256'))
        batch_op.drop_index(batch_op.f('ix_productimage_gtin'))
    op.drop_table('productimage')
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_brand'))
    op.drop_table('product')
