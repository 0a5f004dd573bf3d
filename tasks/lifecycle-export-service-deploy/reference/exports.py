"""Usage exports: one CSV file per requested month, then an email with the download links.

`export_usage` is a DBOS workflow with a step per file and one for the email, so an export interrupted by a
crash or a deploy is finished by the restarted service where it stopped.
"""

from dbos import DBOS

import mailer
import storage
import warehouse


def to_csv(rows: list[dict]) -> str:
    return "day,api_calls\n" + "".join(f"{r['day']},{r['api_calls']}\n" for r in rows)


@DBOS.step()
def write_month(export_id: str, account_id: str, month: str) -> str:
    rows = warehouse.monthly_usage(account_id, month)
    return storage.put(f"exports/{export_id}/{month}.csv", to_csv(rows))


@DBOS.step()
def send_ready_email(email: str, export_id: str, links: list[str]) -> None:
    mailer.send(email, "Your usage export is ready", {"export_id": export_id, "links": links})


@DBOS.workflow()
def export_usage(export_id: str, account_id: str, email: str, months: list[str]) -> list[str]:
    links = [write_month(export_id, account_id, month) for month in months]
    send_ready_email(email, export_id, links)
    return links
