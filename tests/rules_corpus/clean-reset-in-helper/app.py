from dbos import DBOS


@DBOS.workflow()
def echo(x: str) -> str:
    return x
