"""The integration kinds the delivery tests send as: signed with Slack's v0 scheme, and plain."""
from chat.services import integrations

SECRET = "s3cr3t-signing"
SIGNED, PLAIN = "test.signed", "test.plain"

integrations.register_kind(SIGNED, integrations.slack_v0_signer(lambda integration_id: SECRET))
integrations.register_kind(PLAIN)
