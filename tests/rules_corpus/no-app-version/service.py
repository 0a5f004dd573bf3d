import os

from dbos import DBOS, DBOSConfig


@DBOS.step()
def fetch_rate(currency: str) -> float:
    return 1.1 if currency == "EUR" else 1.0


@DBOS.workflow()
def convert(amount: float, currency: str) -> float:
    return amount * fetch_rate(currency)


def main() -> None:
    config: DBOSConfig = {
        "name": "fx",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
    }
    DBOS(config=config)
    DBOS.launch()
    print(convert(10, "EUR"))


if __name__ == "__main__":
    main()
