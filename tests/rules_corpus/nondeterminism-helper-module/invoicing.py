from dbos import DBOS

from ids import new_invoice_number


@DBOS.step()
def store_invoice(number: str, amount: int) -> None:
    print("stored", number, amount)


@DBOS.workflow()
def issue_invoice(amount: int) -> str:
    number = new_invoice_number("INV")
    store_invoice(number, amount)
    return number
