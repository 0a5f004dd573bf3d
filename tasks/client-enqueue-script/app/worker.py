"""Usage-report worker: turns an account's metered usage for a month into a published report.

Runs as a long-lived DBOS process on the reports box and works off the `reports` queue.
Start it with `python worker.py`.
"""

import logging
import os
import threading

from dbos import DBOS, DBOSConfig

import storage
import warehouse

REPORT_QUEUE = "reports"
UNIT_PRICE_CENTS = {"api_calls": 2, "storage_gb": 15, "seats": 1200}

log = logging.getLogger("usage-reports")


@DBOS.step()
def load_usage(account_id: str, month: str) -> list[dict]:
    return warehouse.query_usage(account_id, month)


@DBOS.step()
def publish(account_id: str, month: str, report: dict) -> str:
    return storage.put_report(account_id, month, report)


def price(rows: list[dict]) -> list[dict]:
    return [{"metric": r["metric"], "quantity": r["quantity"],
             "amount_cents": r["quantity"] * UNIT_PRICE_CENTS[r["metric"]]} for r in rows]


@DBOS.workflow()
def generate_report(account_id: str, month: str) -> dict:
    line_items = price(load_usage(account_id, month))
    report = {
        "account_id": account_id,
        "month": month,
        "line_items": line_items,
        "total_cents": sum(item["amount_cents"] for item in line_items),
    }
    report["url"] = publish(account_id, month, report)
    return report


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    config: DBOSConfig = {
        "name": "usage-reports",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.09.1",
    }
    DBOS(config=config)
    DBOS.launch()
    # One report per account at a time, across all report boxes: the warehouse locks an account's usage
    # tables while it exports them, and two exports of one account deadlock each other.
    DBOS.register_queue(REPORT_QUEUE, worker_concurrency=4, partition_concurrency=1)
    log.info("worker ready, consuming queue %r", REPORT_QUEUE)
    threading.Event().wait()


if __name__ == "__main__":
    main()
