from dbos import DBOS


@DBOS.workflow()
def double(x: int) -> int:
    return 2 * x
