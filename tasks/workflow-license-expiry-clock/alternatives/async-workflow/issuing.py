"""Issuing licenses for paid orders, as an async DBOS workflow."""

from datetime import datetime, timezone

from dbos import DBOS

import licensing
import mailer
import plans


def license_key_for(order_id: str) -> str:
    return f"LIC-{order_id.upper()}"


@DBOS.step()
async def expiry_for(plan: str) -> str:
    return (datetime.now(timezone.utc) + plans.term_of(plan)).isoformat()


@DBOS.step()
async def activate(key: str, order_id: str, plan: str, expires_at: str) -> None:
    licensing.activate(key, order_id, plan, expires_at)


@DBOS.step()
async def email(to: str, key: str, plan: str, expires_at: str) -> None:
    mailer.send_license(to, key, plan, expires_at)


@DBOS.workflow()
async def issue_license(order_id: str, email_address: str, plan: str) -> dict:
    expires_at = await expiry_for(plan)
    key = license_key_for(order_id)
    await activate(key, order_id, plan, expires_at)
    await email(email_address, key, plan, expires_at)
    return {"order_id": order_id, "license_key": key, "expires_at": expires_at}
