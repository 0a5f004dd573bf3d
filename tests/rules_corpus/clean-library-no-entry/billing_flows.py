from dbos import DBOS


@DBOS.step()
def compute_invoice(customer: str) -> int:
    return 100


@DBOS.workflow()
def invoice(customer: str) -> int:
    return compute_invoice(customer)


def configure(url: str) -> None:
    DBOS(config={"name": "billing", "system_database_url": url, "application_version": "7"})
