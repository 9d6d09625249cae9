"""event log: stream links (prev_id), the message an event is about, redaction, prune horizon

Revision ID: c3d5e7f9a1b2
Revises: c3a7e1f05b92
Create Date: 2026-12-01 20:40:00

Existing logs are brought to the new rules: each event is linked to the previous event of its
audience, message events name their message, and every message event but a message's newest
loses its content (the log keeps the fact, not old text).
"""
from alembic import op
import sqlalchemy as sa


revision = 'c3d5e7f9a1b2'
down_revision = 'c3a7e1f05b92'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_id', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('message_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('redacted', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index('ix_events_message_id', ['message_id'], unique=False)
    op.create_table('event_log_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('pruned_through', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_event_log_state')))

    postgres = op.get_bind().dialect.name == 'postgresql'
    # One statement per kind of audience, so each subquery can use its (audience, id) index.
    op.execute("""
        UPDATE events SET prev_id = COALESCE((
            SELECT MAX(e.id) FROM events e WHERE e.channel_id = events.channel_id AND e.id < events.id), 0)
        WHERE channel_id IS NOT NULL""")
    op.execute("""
        UPDATE events SET prev_id = COALESCE((
            SELECT MAX(e.id) FROM events e WHERE e.target_user_id = events.target_user_id
              AND e.channel_id IS NULL AND e.id < events.id), 0)
        WHERE channel_id IS NULL""")
    message_id = "(payload::json->>'id')::integer" if postgres else "json_extract(payload, '$.id')"
    op.execute(f"UPDATE events SET message_id = {message_id} WHERE type LIKE 'message.%'")
    if postgres:
        stub = ("json_build_object('id', message_id, 'channel_id', channel_id, 'thread_root_id', "
                "payload::json->'thread_root_id', 'redacted', true)::text")
    else:
        stub = ("json_object('id', message_id, 'channel_id', channel_id, 'thread_root_id', "
                "json_extract(payload, '$.thread_root_id'), 'redacted', json('true'))")
    op.execute(f"""
        UPDATE events SET payload = {stub}, redacted = true
        WHERE message_id IS NOT NULL
          AND id < (SELECT MAX(e.id) FROM events e WHERE e.message_id = events.message_id)""")


def downgrade():
    op.drop_table('event_log_state')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_message_id')
        batch_op.drop_column('redacted')
        batch_op.drop_column('message_id')
        batch_op.drop_column('prev_id')
