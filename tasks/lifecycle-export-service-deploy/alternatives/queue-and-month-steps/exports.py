"""Usage exports, as a DBOS workflow on the "exports" queue."""

from dbos import DBOS

import mailer
import storage
import warehouse


def to_csv(rows: list[dict]) -> str:
    return "day,api_calls\n" + "".join(f"{r['day']},{r['api_calls']}\n" for r in rows)


@DBOS.step()
def upload_month(export_id: str, account_id: str, month: str) -> str:
    return storage.put(f"exports/{export_id}/{month}.csv", to_csv(warehouse.monthly_usage(account_id, month)))


@DBOS.workflow()
def run_export(export_id: str, account_id: str, email: str, months: list[str]) -> list[str]:
    links = []
    for month in months:
        links.append(upload_month(export_id, account_id, month))
    DBOS.run_step({"name": "email"}, mailer.send, email, "Your usage export is ready",
                  {"export_id": export_id, "links": links})
    return links
