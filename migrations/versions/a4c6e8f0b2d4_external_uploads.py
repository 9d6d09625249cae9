"""uploads through the Web API's upload URLs: files without a channel until shared, titles, kept files

Revision ID: a4c6e8f0b2d4
Revises: f1b3d5a7c9e2
Create Date: 2026-12-20 10:00:00

files.channel_id becomes nullable: a file uploaded to an upload URL (files.getUploadURLExternal)
has no channel until the message that shares it. Every existing file keeps its channel.
files.title: Slack's title (NULL: the name is the title). files.kept: false for every file so far.
"""
from alembic import op
import sqlalchemy as sa


revision = 'a4c6e8f0b2d4'
down_revision = 'f1b3d5a7c9e2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('files', schema=None) as batch_op:
        batch_op.alter_column('channel_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('title', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('kept', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    # Files that no conversation holds have no place in the old schema: their rows go (their
    # bytes stay in storage).
    op.execute("DELETE FROM files WHERE channel_id IS NULL")
    with op.batch_alter_table('files', schema=None) as batch_op:
        batch_op.drop_column('kept')
        batch_op.drop_column('title')
        batch_op.alter_column('channel_id', existing_type=sa.Integer(), nullable=False)
