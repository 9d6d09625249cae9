"""app.py with the test integration kinds registered (tests/integrations/kinds.py).

``python tests/integrations/delivery_app.py`` serves exactly as ``python app.py`` does, and
``flask --app tests.integrations.delivery_app delivery-test enqueue ...`` queues a delivery the
way a service would, in its own transaction."""
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.launch import serve

    serve("tests.integrations.kinds")
else:
    import click
    from flask.cli import AppGroup

    import tests.integrations.kinds  # noqa: F401
    from app import app
    from chat.core.transactions import atomic
    from chat.services import integrations
    from tests.integrations.kinds import SIGNED

    delivery_cli = AppGroup("delivery-test", help="Queue deliveries as a service would.")

    @delivery_cli.command("enqueue")
    @click.argument("workspace_id", type=int)
    @click.argument("url")
    @click.argument("body")
    @click.option("--integration-id", type=int, default=1, show_default=True)
    @click.option("--event", default="message", show_default=True)
    @click.option("--count", type=int, default=1, show_default=True, help="that many deliveries, one per line")
    def enqueue(workspace_id: int, url: str, body: str, integration_id: int, event: str, count: int) -> None:
        for _ in range(count):
            with atomic():
                row = integrations.enqueue_delivery(workspace_id=workspace_id, kind=SIGNED,
                                                    integration_id=integration_id, event=event, url=url, body=body,
                                                    headers={"Content-Type": "application/json"})
            click.echo(f"DELIVERY_ID={row.id}")

    app.cli.add_command(delivery_cli)
