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
    def enqueue(workspace_id: int, url: str, body: str) -> None:
        with atomic():
            row = integrations.enqueue_delivery(workspace_id=workspace_id, kind=SIGNED, integration_id=1,
                                                event="message", url=url, body=body,
                                                headers={"Content-Type": "application/json"})
        click.echo(f"DELIVERY_ID={row.id}")

    app.cli.add_command(delivery_cli)
