"""outgoing webhooks (Mattermost's and Slack's): the hooks and the channels each listens to

Revision ID: b4d6f8a0c2e3
Revises: a2c4e6f8b0d1
Create Date: 2026-12-12 14:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'b4d6f8a0c2e3'
down_revision = 'a2c4e6f8b0d1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outgoing_webhooks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.Column('bot_user_id', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('description', sa.String(length=250), nullable=False),
        sa.Column('trigger_words', sa.JSON(), nullable=False),
        sa.Column('trigger_when', sa.String(length=16), nullable=False),
        sa.Column('callback_urls', sa.JSON(), nullable=False),
        sa.Column('content_type', sa.String(length=40), nullable=False),
        sa.Column('ignore_bots', sa.Boolean(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('token_changed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['bot_user_id'], ['users.id'], name=op.f('fk_outgoing_webhooks_bot_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_outgoing_webhooks_created_by_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                                name=op.f('fk_outgoing_webhooks_workspace_id_workspaces'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_webhooks')))
    with op.batch_alter_table('outgoing_webhooks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_webhooks_workspace_id'), ['workspace_id'], unique=False)
    op.create_table('outgoing_webhook_channels',
        sa.Column('webhook_id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['channel_id'], ['channels.id'],
                                name=op.f('fk_outgoing_webhook_channels_channel_id_channels'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['webhook_id'], ['outgoing_webhooks.id'],
                                name=op.f('fk_outgoing_webhook_channels_webhook_id_outgoing_webhooks'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                                name=op.f('fk_outgoing_webhook_channels_workspace_id_workspaces'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('webhook_id', 'channel_id', name=op.f('pk_outgoing_webhook_channels')))
    with op.batch_alter_table('outgoing_webhook_channels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_webhook_channels_channel_id'), ['channel_id'], unique=False)


def downgrade():
    with op.batch_alter_table('outgoing_webhook_channels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_webhook_channels_channel_id'))
    op.drop_table('outgoing_webhook_channels')
    with op.batch_alter_table('outgoing_webhooks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_webhooks_workspace_id'))
    op.drop_table('outgoing_webhooks')
