from dbos import DBOS

from shop.services.mail import send_mail


def tell_dashboard(event: str) -> None:
    DBOS.send("dashboard", event, topic="events")


@DBOS.workflow()
async def announce(event: str) -> None:
    await send_mail("ops@example.com", event)
    tell_dashboard(event)
