"""Issuing licenses for paid orders: activate the key on the license server, then email it."""

from datetime import datetime, timezone

import licensing
import mailer
import plans


def license_key_for(order_id: str) -> str:
    return f"LIC-{order_id.upper()}"


def issue_license(order_id: str, email: str, plan: str) -> dict:
    issued_at = datetime.now(timezone.utc)
    expires_at = (issued_at + plans.term_of(plan)).isoformat()
    key = license_key_for(order_id)
    licensing.activate(key, order_id, plan, expires_at)
    mailer.send_license(email, key, plan, expires_at)
    return {"order_id": order_id, "license_key": key, "expires_at": expires_at}
