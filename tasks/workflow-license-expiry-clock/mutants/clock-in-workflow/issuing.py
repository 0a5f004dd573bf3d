"""Issuing licenses for paid orders: activate the key on the license server, then email it.

`issue_license` is a DBOS workflow. The moment of issue is read in a step, so a license whose issuing is
recovered after a crash keeps the expiry it was activated with, and the email states that same expiry.
"""

from datetime import datetime, timezone

from dbos import DBOS

import licensing
import mailer
import plans


def license_key_for(order_id: str) -> str:
    return f"LIC-{order_id.upper()}"


@DBOS.step()
def activate(key: str, order_id: str, plan: str, expires_at: str) -> None:
    licensing.activate(key, order_id, plan, expires_at)


@DBOS.step()
def send_license(email: str, key: str, plan: str, expires_at: str) -> None:
    mailer.send_license(email, key, plan, expires_at)


@DBOS.workflow()
def issue_license(order_id: str, email: str, plan: str) -> dict:
    issued_at = datetime.now(timezone.utc)
    expires_at = (issued_at + plans.term_of(plan)).isoformat()
    key = license_key_for(order_id)
    activate(key, order_id, plan, expires_at)
    send_license(email, key, plan, expires_at)
    return {"order_id": order_id, "license_key": key, "expires_at": expires_at}
