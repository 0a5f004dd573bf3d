from dbos import DBOS, DBOSConfig

import settings


@DBOS.step()
def charge(customer: str, cents: int) -> str:
    print(f"charging {customer} {cents}")
    return f"ch-{customer}"


@DBOS.workflow()
def monthly_invoicing(customers: list[str]) -> list[str]:
    return [charge(c, 999) for c in customers]


def main() -> None:
    config: DBOSConfig = {
        "name": "payments-batch",
        "system_database_url": settings.DATABASE_URL,
        "application_version": settings.APP_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    monthly_invoicing(["a", "b"])


if __name__ == "__main__":
    main()
