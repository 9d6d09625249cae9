"""The integration kinds the delivery tests send as: signed with Slack's v0 scheme, and plain."""
from chat.services import integrations

SECRET = "s3cr3t-signing"
SIGNED, PLAIN = "test.signed", "test.plain"

integrations.register_kind(SIGNED, integrations.slack_v0_signer(lambda integration_id: SECRET))
integrations.register_kind(PLAIN)

# Unsigned, never retried, and every finished delivery's outcome kept here (in this process).
HEARD = "test.heard"
OUTCOMES: list[integrations.Outcome] = []
integrations.register_kind(HEARD, retries=False, on_finished=OUTCOMES.append)

# Its own limit on a request, far below the configured OUTBOUND_TIMEOUT_SECONDS.
HASTY = "test.hasty"
HASTY_SECONDS = 0.5
integrations.register_kind(HASTY, retries=False, timeout=HASTY_SECONDS)

# Retried like any kind, but only an answer of exactly "ok" counts as delivered.
PICKY = "test.picky"
integrations.register_kind(PICKY, accept=lambda answer: None if answer.body == b"ok" else "the answer is not ok")
