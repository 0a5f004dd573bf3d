"""Usage exports: one CSV file per requested month, then an email with the download links."""

import mailer
import storage
import warehouse


def to_csv(rows: list[dict]) -> str:
    return "day,api_calls\n" + "".join(f"{r['day']},{r['api_calls']}\n" for r in rows)


def export_usage(export_id: str, account_id: str, email: str, months: list[str]) -> list[str]:
    links = []
    for month in months:
        rows = warehouse.monthly_usage(account_id, month)
        links.append(storage.put(f"exports/{export_id}/{month}.csv", to_csv(rows)))
    mailer.send(email, "Your usage export is ready", {"export_id": export_id, "links": links})
    return links
