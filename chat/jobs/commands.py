"""Slash commands (services/commands): their requests are deliveries of kind ``slash_command``,
signed with Slack's v0 scheme, never retried, and their answers are shown or posted once each
delivery ends; and the periodic clean-up of old runs."""
from __future__ import annotations

from chat.core.jobs import job
from chat.services import commands, integrations

# Registered here, at import (create_app imports chat.jobs), so every process that runs jobs
# knows the kind. The person is waiting: a failed request is reported at once, not retried, and
# an answer is late after Slack's 3 seconds whatever other integrations are allowed.
integrations.register_kind(commands.SLASH_COMMAND_KIND, commands.signer(), retries=False,
                           on_finished=commands.command_answered, timeout=commands.ANSWER_SECONDS)


def _every(config: dict) -> float:
    return float(config["HOUSEKEEPING_SECONDS"])


@job(commands.PRUNE_JOB, retries=0, every=_every)
def prune_runs() -> None:
    """Runs of slash commands whose response_url ended more than a day ago."""
    commands.prune()
