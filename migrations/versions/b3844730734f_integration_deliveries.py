"""integration deliveries: one row per request to an integration for an event, and its attempts

Revision ID: b3844730734f
Revises: e7a9c1d3f5b6
Create Date: 2026-12-10 10:00:00

Generic over integrations (kind + integration_id, no foreign key to their tables, which come
later); see chat/models/delivery.py and chat/services/integrations/deliveries.py.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3844730734f'
down_revision = "e7a9c1d3f5b6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('integration_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('integration_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=100), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('headers', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'delivered', 'failed', 'given_up', name='deliverystatus', native_enum=False, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('claimed_until', sa.DateTime(), nullable=True),
    sa.Column('replay_of_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['replay_of_id'], ['integration_deliveries.id'], name=op.f('fk_integration_deliveries_replay_of_id_integration_deliveries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_integration_deliveries_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_deliveries'))
    )
    with op.batch_alter_table('integration_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_integration_deliveries_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_integration_deliveries_due', ['status', 'claimed_until'], unique=False)
        batch_op.create_index('ix_integration_deliveries_integration', ['kind', 'integration_id', 'id'], unique=False)
        batch_op.create_index('ix_integration_deliveries_workspace', ['workspace_id', 'id'], unique=False)

    op.create_table('integration_delivery_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.Column('response_excerpt', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['integration_deliveries.id'], name=op.f('fk_integration_delivery_attempts_delivery_id_integration_deliveries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_delivery_attempts'))
    )
    with op.batch_alter_table('integration_delivery_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_integration_delivery_attempts_delivery_id'), ['delivery_id'], unique=False)



def downgrade():
    with op.batch_alter_table('integration_delivery_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_integration_delivery_attempts_delivery_id'))

    op.drop_table('integration_delivery_attempts')
    with op.batch_alter_table('integration_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_integration_deliveries_workspace')
        batch_op.drop_index('ix_integration_deliveries_integration')
        batch_op.drop_index('ix_integration_deliveries_due')
        batch_op.drop_index(batch_op.f('ix_integration_deliveries_created_at'))

    op.drop_table('integration_deliveries')
