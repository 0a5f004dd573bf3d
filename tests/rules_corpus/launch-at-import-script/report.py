import json
import os
import sys

from dbos import DBOS, DBOSConfig, SetWorkflowID

config: DBOSConfig = {
    "name": "nightly-report",
    "system_database_url": os.environ.get("DBOS_SYSTEM_DATABASE_URL", "sqlite:///report.sqlite"),
    "application_version": "3",
}
DBOS(config=config)
DBOS.launch()


@DBOS.step()
def load_rows(day: str) -> list[dict]:
    with open(f"exports/{day}.json") as f:
        return json.load(f)


@DBOS.step()
def summarize(rows: list[dict]) -> dict:
    return {"count": len(rows), "total": sum(r["amount"] for r in rows)}


@DBOS.workflow()
def nightly_report(day: str) -> dict:
    return summarize(load_rows(day))


if __name__ == "__main__":
    day = sys.argv[1]
    with SetWorkflowID(f"report-{day}"):
        print(json.dumps(nightly_report(day)))
