from dbos import DBOS


@DBOS.workflow()
def add(a: int, b: int) -> int:
    return a + b
