import os

from dbos import DBOS


@DBOS.step()
def render(month: str) -> str:
    return f"report for {month}"


@DBOS.workflow()
def monthly_report(month: str) -> str:
    return render(month)


def main() -> None:
    DBOS(config={"name": "reports", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()
    DBOS.register_queue("reports", worker_concurrency=2)
    input()


if __name__ == "__main__":
    main()
