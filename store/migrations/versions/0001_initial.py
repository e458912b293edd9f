"""Initial schema: snapshots and their top members, watches, posts (digests and alerts
sent), job runs. Times are naive UTC (``store.schema.UtcDateTime``); ids BIGINT on
PostgreSQL, INTEGER (the rowid) on SQLite.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-29 21:14:46.419562
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_runs',
    sa.Column('job', sa.String(length=40), nullable=False),
    sa.Column('slot', sa.String(length=40), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('job', 'slot', name=op.f('pk_job_runs'))
    )
    op.create_table('snapshots',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('protocol', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('symbol', sa.String(length=40), nullable=False),
    sa.Column('as_of', sa.DateTime(), nullable=False),
    sa.Column('taken_at', sa.DateTime(), nullable=False),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('hour', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('chain', sa.String(length=40), nullable=False),
    sa.Column('token_address', sa.String(length=100), nullable=True),
    sa.Column('block', sa.BigInteger(), nullable=True),
    sa.Column('supply', sa.Double(), nullable=True),
    sa.Column('holder_count', sa.BigInteger(), nullable=True),
    sa.Column('basis_view', sa.String(length=40), nullable=False),
    sa.Column('top10_share', sa.Double(), nullable=True),
    sa.Column('nakamoto', sa.Integer(), nullable=True),
    sa.Column('gini', sa.Double(), nullable=True),
    sa.Column('hhi', sa.Double(), nullable=True),
    sa.Column('verdict_level', sa.String(length=40), nullable=True),
    sa.Column('confidence', sa.String(length=16), nullable=True),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.Column('governance', sa.JSON(), nullable=True),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('missing', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_snapshots'))
    )
    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_snapshots_protocol_as_of', ['protocol', 'as_of'], unique=False)

    op.create_table('snapshot_members',
    sa.Column('snapshot_id', ID, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=100), nullable=False),
    sa.Column('balance', sa.Double(), nullable=False),
    sa.Column('share', sa.Double(), nullable=True),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('label_source', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshots.id'],
                            name=op.f('fk_snapshot_members_snapshot_id_snapshots'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('snapshot_id', 'kind', 'rank', name=op.f('pk_snapshot_members'))
    )
    op.create_table('watches',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('guild_id', sa.BigInteger(), nullable=False),
    sa.Column('channel_id', sa.BigInteger(), nullable=False),
    sa.Column('protocol', sa.String(length=120), nullable=False),
    sa.Column('thresholds', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('disabled', sa.Text(), nullable=False),
    sa.Column('baseline_id', ID, nullable=True),
    sa.ForeignKeyConstraint(['baseline_id'], ['snapshots.id'],
                            name=op.f('fk_watches_baseline_id_snapshots'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watches')),
    sa.UniqueConstraint('channel_id', 'protocol', name='uq_watches_channel_protocol')
    )
    with op.batch_alter_table('watches', schema=None) as batch_op:
        batch_op.create_index('ix_watches_guild_id', ['guild_id'], unique=False)

    op.create_table('posts',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('watch_id', ID, nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('snapshot_id', ID, nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshots.id'],
                            name=op.f('fk_posts_snapshot_id_snapshots'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['watch_id'], ['watches.id'],
                            name=op.f('fk_posts_watch_id_watches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posts')),
    sa.UniqueConstraint('watch_id', 'key', name='uq_posts_watch_key')
    )


def downgrade() -> None:
    op.drop_table('posts')
    with op.batch_alter_table('watches', schema=None) as batch_op:
        batch_op.drop_index('ix_watches_guild_id')

    op.drop_table('watches')
    op.drop_table('snapshot_members')
    with op.batch_alter_table('snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_snapshots_protocol_as_of')

    op.drop_table('snapshots')
    op.drop_table('job_runs')
