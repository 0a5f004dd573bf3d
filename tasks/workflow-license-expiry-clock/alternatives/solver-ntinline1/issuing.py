"""Issuing licenses for paid orders: activate the key on the license server, then email it.

`issue_license` is a DBOS workflow. The moment of issue is read once in a step and replayed after a
crash, so the expiry activated on the license server and the one in the email are always the same.
"""

from datetime import datetime, timezone

from dbos import DBOS

import licensing
import mailer
import plans


def license_key_for(order_id: str) -> str:
    return f"LIC-{order_id.upper()}"


@DBOS.step()
def issue_time() -> str:
    """The moment of issue (UTC, ISO 8601), recorded once."""
    return datetime.now(timezone.utc).isoformat()


@DBOS.step()
def activate_key(key: str, order_id: str, plan: str, expires_at: str) -> None:
    licensing.activate(key, order_id, plan, expires_at)


@DBOS.step()
def send_license_email(email: str, key: str, plan: str, expires_at: str) -> None:
    mailer.send_license(email, key, plan, expires_at)


@DBOS.workflow()
def issue_license(order_id: str, email: str, plan: str) -> dict:
    issued_at = datetime.fromisoformat(issue_time())
    expires_at = (issued_at + plans.term_of(plan)).isoformat()
    key = license_key_for(order_id)
    activate_key(key, order_id, plan, expires_at)
    send_license_email(email, key, plan, expires_at)
    return {"order_id": order_id, "license_key": key, "expires_at": expires_at}
