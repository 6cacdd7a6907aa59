"""The kommun's inventory of street lights, litter bins and benches; a report may name one (issue 26.1)

Revision ID: 0028
Revises: 0026 (to be re-chained onto 0027 at merge)
Create Date: 2026-12-07 19:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0026'
branch_labels = None
depends_on = None

KINDS = [
    ("street_light", {"sv": "Belysningsstolpe", "en": "Street light", "ar": "عمود إنارة"},
     ["street_light", "dark_unsafe"], 10),
    ("litter_bin", {"sv": "Papperskorg", "en": "Litter bin", "ar": "سلة مهملات"}, ["litter_bin", "littered"], 20),
    ("bench", {"sv": "Bänk", "en": "Bench", "ar": "مقعد"}, ["park_furniture"], 30),
]


def upgrade():
    kind = op.create_table(
        'asset_kind',
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('names', sa.JSON(), nullable=False),
        sa.Column('category_keys', sa.JSON(), nullable=False),
        sa.Column('sort_order', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_asset_kind')),
    )
    op.create_table(
        'asset',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind_key', sa.String(length=40), nullable=False),
        sa.Column('external_id', sa.String(length=80), nullable=False),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('attributes', sa.JSON(), nullable=True),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('retired', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['kind_key'], ['asset_kind.key'], name=op.f('fk_asset_kind_key_asset_kind')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_asset')),
        sa.UniqueConstraint('kind_key', 'external_id', name='uq_asset_kind_external_id'),
    )
    op.create_index('ix_asset_lon_lat', 'asset', ['lon', 'lat'], unique=False)
    op.bulk_insert(kind, [{"key": k, "names": n, "category_keys": c, "sort_order": s} for k, n, c, s in KINDS])
    op.create_table(
        'report_asset',
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('asset_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_report_asset_asset_id_asset')),
        sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_asset_report_id_report'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('report_id', name=op.f('pk_report_asset')),
    )
    op.create_index(op.f('ix_report_asset_asset_id'), 'report_asset', ['asset_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_report_asset_asset_id'), table_name='report_asset')
    op.drop_table('report_asset')
    op.drop_index('ix_asset_lon_lat', table_name='asset')
    op.drop_table('asset')
    op.drop_table('asset_kind')
