"""servers: a heartbeat per server process, so a dead process's connections stop counting

Revision ID: c3a7e1f05b92
Revises: abf0fe25d038
Create Date: 2026-11-25 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a7e1f05b92'
down_revision = 'abf0fe25d038'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('servers',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('last_seen', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_servers'))
    )
    with op.batch_alter_table('servers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_servers_last_seen'), ['last_seen'], unique=False)


def downgrade():
    with op.batch_alter_table('servers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_servers_last_seen'))
    op.drop_table('servers')
