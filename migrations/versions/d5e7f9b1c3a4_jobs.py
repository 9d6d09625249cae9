"""jobs: the outbox of jobs written with the change that causes them, and failed jobs

Revision ID: d5e7f9b1c3a4
Revises: c3d5e7f9a1b2
Create Date: 2026-12-08 10:00:00

Previews used to be made by a background thread of the server, and files still pending were
resumed when a server started. From now on a job makes each preview: the files pending at
upgrade time get theirs here, one per content (the first file with it), so nothing is left
waiting.
"""
from alembic import op
import sqlalchemy as sa


revision = 'd5e7f9b1c3a4'
down_revision = 'c3d5e7f9a1b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pending_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('kwargs', sa.Text(), nullable=False),
        sa.Column('run_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_jobs')))
    op.create_table('failed_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('kwargs', sa.Text(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('failed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_failed_jobs')))
    with op.batch_alter_table('failed_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_failed_jobs_failed_at'), ['failed_at'], unique=False)
    # 'previews.make' is chat/jobs/previews.py's job; 'pending' is PreviewState.pending.
    op.execute("""
        INSERT INTO pending_jobs (name, kwargs, created_at)
        SELECT 'previews.make', '{"file_id": ' || MIN(id) || '}', CURRENT_TIMESTAMP
        FROM files WHERE preview_state = 'pending' AND deleted_at IS NULL
        GROUP BY sha256 ORDER BY MIN(id)
    """)


def downgrade():
    with op.batch_alter_table('failed_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_failed_jobs_failed_at'))
    op.drop_table('failed_jobs')
    op.drop_table('pending_jobs')
