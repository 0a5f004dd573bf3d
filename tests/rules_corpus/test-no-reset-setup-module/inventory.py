from dbos import DBOS

STOCK_FILE = "stock.txt"


@DBOS.step()
def read_stock() -> int:
    with open(STOCK_FILE) as f:
        return int(f.read())


@DBOS.workflow()
def stock_level() -> int:
    return read_stock()
