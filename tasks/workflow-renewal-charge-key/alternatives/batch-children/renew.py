"""Renew the subscriptions due on a day: one workflow per day that starts a child workflow per subscription."""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import accounts
import gateway
import mailer
import plans


@DBOS.step()
def charge_customer(sub: dict, period: str, amount: int) -> str:
    # The key is derived from what is being paid for, so any retry of this renewal sends the same one.
    key = f"rnw_{sub['subscription_id']}_{period}"
    return gateway.create_charge(key, sub["customer_id"], amount, f"{sub['plan']} plan {period}")


@DBOS.step()
def extend_and_invoice(sub: dict, period: str, charge_id: str, amount: int) -> None:
    accounts.extend_subscription(sub["subscription_id"], period, charge_id)


@DBOS.step()
def invoice(sub: dict, period: str, charge_id: str, amount: int) -> None:
    mailer.send_invoice(sub["email"], sub["subscription_id"], period, charge_id, amount)


class Renewals:
    @staticmethod
    @DBOS.workflow()
    def renew_one(sub: dict, day: str) -> int:
        period, amount = day[:7], plans.price_of(sub["plan"])
        charge_id = charge_customer(sub, period, amount)
        extend_and_invoice(sub, period, charge_id, amount)
        invoice(sub, period, charge_id, amount)
        return amount

    @staticmethod
    @DBOS.workflow()
    def renew_all(day: str, due: list[dict]) -> dict:
        handles = []
        for sub in due:
            with SetWorkflowID(f"{DBOS.workflow_id}:{sub['subscription_id']}"):
                handles.append(DBOS.start_workflow(Renewals.renew_one, sub, day))
        amounts = [h.get_result() for h in handles]
        return {"day": day, "renewed": len(amounts), "charged_cents": sum(amounts)}


def main() -> None:
    day = sys.argv[1]
    path = sys.argv[2] if len(sys.argv) > 2 else "subscriptions.json"
    DBOS(config=DBOSConfig(name="renewals", system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"],
                           application_version=os.environ.get("RENEWALS_VERSION", "1")))
    DBOS.launch()
    due = [s for s in json.loads(Path(path).read_text()) if s["renews_on"] == day]
    with SetWorkflowID(f"renewals-{day}-{Path(path).name}"):
        print(json.dumps(Renewals.renew_all(day, due)))


if __name__ == "__main__":
    main()
