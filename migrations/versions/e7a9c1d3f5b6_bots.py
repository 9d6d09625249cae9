"""bots: accounts of their own kind (users.kind) and what only bots have (bots)

Revision ID: e7a9c1d3f5b6
Revises: d5e7f9b1c3a4
Create Date: 2026-12-09 10:00:00

Every existing account is a person. A bot keeps a users row (messages, memberships, reactions,
files, tokens and sockets work unchanged) and gets a bots row with the same id.
"""
from alembic import op
import sqlalchemy as sa


revision = 'e7a9c1d3f5b6'
down_revision = 'd5e7f9b1c3a4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('person', 'bot', name='userkind', native_enum=False, length=16),
                                      server_default='person', nullable=False))
    op.create_table('bots',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('description', sa.String(length=250), nullable=False),
        sa.Column('icon_url', sa.String(length=2048), nullable=True),
        sa.Column('ignore_bots', sa.Boolean(), nullable=False),
        sa.Column('signing_secret', sa.String(length=64), nullable=False),
        sa.Column('events_url', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('deactivated_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_bots_owner_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_bots_user_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_bots_workspace_id_workspaces'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_bots')))
    with op.batch_alter_table('bots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bots_workspace_id'), ['workspace_id'], unique=False)


def downgrade():
    with op.batch_alter_table('bots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bots_workspace_id'))
    op.drop_table('bots')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('kind')
