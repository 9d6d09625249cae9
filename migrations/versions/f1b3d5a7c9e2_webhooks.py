"""incoming webhooks; integration content on messages (props); the workspace's webhook settings

Revision ID: f1b3d5a7c9e2
Revises: b3844730734f
Create Date: 2026-12-11 10:00:00

messages.props: NULL for every message so far (people's messages keep it NULL).
"""
from alembic import op
import sqlalchemy as sa


revision = 'f1b3d5a7c9e2'
down_revision = 'b3844730734f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('props', sa.JSON(none_as_null=True), nullable=True))
    with op.batch_alter_table('workspaces', schema=None) as batch_op:
        batch_op.add_column(sa.Column('members_create_webhooks', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('webhook_overrides', sa.Boolean(), server_default='0', nullable=False))
    op.create_table('incoming_webhooks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('bot_user_id', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('secret_digest', sa.String(length=64), nullable=False),
        sa.Column('prefix', sa.String(length=12), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('secret_changed_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['bot_user_id'], ['users.id'], name=op.f('fk_incoming_webhooks_bot_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_incoming_webhooks_channel_id_channels'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_incoming_webhooks_created_by_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                                name=op.f('fk_incoming_webhooks_workspace_id_workspaces'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_incoming_webhooks')),
        sa.UniqueConstraint('secret_digest', name=op.f('uq_incoming_webhooks_secret_digest')))
    with op.batch_alter_table('incoming_webhooks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incoming_webhooks_workspace_id'), ['workspace_id'], unique=False)


def downgrade():
    with op.batch_alter_table('incoming_webhooks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incoming_webhooks_workspace_id'))
    op.drop_table('incoming_webhooks')
    with op.batch_alter_table('workspaces', schema=None) as batch_op:
        batch_op.drop_column('webhook_overrides')
        batch_op.drop_column('members_create_webhooks')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('props')
