import httpx
from dbos import DBOS


@DBOS.step()
async def send_mail(to: str, body: str) -> None:
    async with httpx.AsyncClient() as client:
        await client.post("https://mail.invalid/send", json={"to": to, "body": body})
