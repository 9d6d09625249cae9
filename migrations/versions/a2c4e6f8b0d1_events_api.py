"""the Events API: whether something listens to a workspace's channels (workspaces.has_listeners)

Revision ID: a2c4e6f8b0d1
Revises: 55af4aa0a827
Create Date: 2026-12-12 10:00:00

Workspaces whose bots already have an Events API URL (and are active) start with it set.
"""
from alembic import op
import sqlalchemy as sa


revision = 'a2c4e6f8b0d1'
down_revision = '55af4aa0a827'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workspaces', schema=None) as batch_op:
        batch_op.add_column(sa.Column('has_listeners', sa.Boolean(), server_default='0', nullable=False))
    op.execute(sa.text(
        "UPDATE workspaces SET has_listeners = :yes WHERE id IN (SELECT workspace_id FROM bots "
        "WHERE events_url IS NOT NULL AND deactivated_at IS NULL)").bindparams(yes=True))


def downgrade():
    with op.batch_alter_table('workspaces', schema=None) as batch_op:
        batch_op.drop_column('has_listeners')
