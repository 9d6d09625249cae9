"""slash commands (custom ones of a workspace), their runs with a response_url, and muted channels

Revision ID: 55af4aa0a827
Revises: a4c6e8f0b2d4
Create Date: 2026-12-12 10:00:00

channel_members.muted: false for every membership so far.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '55af4aa0a827'
down_revision = 'a4c6e8f0b2d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('slash_commands',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('description', sa.String(length=250), nullable=False),
    sa.Column('usage_hint', sa.String(length=250), nullable=False),
    sa.Column('bot_user_id', sa.Integer(), nullable=False),
    sa.Column('app_bot_id', sa.Integer(), nullable=True),
    sa.Column('signing_secret', sa.String(length=64), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['app_bot_id'], ['bots.user_id'], name=op.f('fk_slash_commands_app_bot_id_bots'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['bot_user_id'], ['users.id'], name=op.f('fk_slash_commands_bot_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_slash_commands_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_slash_commands_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slash_commands')),
    sa.UniqueConstraint('workspace_id', 'name', name=op.f('uq_slash_commands_workspace_id_name'))
    )
    op.create_table('command_invocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('command_id', sa.Integer(), nullable=True),
    sa.Column('command', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('thread_root_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=True),
    sa.Column('response_digest', sa.String(length=64), nullable=False),
    sa.Column('responses', sa.Integer(), nullable=False),
    sa.Column('echoed', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_command_invocations_channel_id_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['command_id'], ['slash_commands.id'], name=op.f('fk_command_invocations_command_id_slash_commands'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_root_id'], ['messages.id'], name=op.f('fk_command_invocations_thread_root_id_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_command_invocations_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_command_invocations_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_command_invocations')),
    sa.UniqueConstraint('response_digest', name=op.f('uq_command_invocations_response_digest'))
    )
    with op.batch_alter_table('command_invocations', schema=None) as batch_op:
        batch_op.create_index('ix_command_invocations_delivery', ['delivery_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_command_invocations_expires_at'), ['expires_at'], unique=False)
    with op.batch_alter_table('channel_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('muted', sa.Boolean(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('channel_members', schema=None) as batch_op:
        batch_op.drop_column('muted')
    with op.batch_alter_table('command_invocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_command_invocations_expires_at'))
        batch_op.drop_index('ix_command_invocations_delivery')
    op.drop_table('command_invocations')
    op.drop_table('slash_commands')
