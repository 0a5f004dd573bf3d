from dbos import DBOS


@DBOS.step()
def double(x: int) -> int:
    return 2 * x


@DBOS.workflow()
def compute(x: int) -> int:
    return double(x)
