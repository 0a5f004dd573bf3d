"""Usage exports: one CSV file per requested month, then an email with the download links.

An export is a DBOS workflow: each month's file is a checkpointed step and so is the final email, so an
export interrupted by a crash or a deploy is finished by the restarted service without redoing the
months already stored nor sending the email twice.
"""

from dbos import DBOS

import mailer
import storage
import warehouse


def to_csv(rows: list[dict]) -> str:
    return "day,api_calls\n" + "".join(f"{r['day']},{r['api_calls']}\n" for r in rows)


@DBOS.step()
def export_month(export_id: str, account_id: str, month: str) -> str:
    rows = warehouse.monthly_usage(account_id, month)
    return storage.put(f"exports/{export_id}/{month}.csv", to_csv(rows))


@DBOS.step()
def send_ready_email(email: str, export_id: str, links: list[str]) -> None:
    mailer.send(email, "Your usage export is ready", {"export_id": export_id, "links": links})


@DBOS.workflow()
def export_usage(export_id: str, account_id: str, email: str, months: list[str]) -> list[str]:
    links = []
    for month in months:
        links.append(export_month(export_id, account_id, month))
    send_ready_email(email, export_id, links)
    return links
