from dbos import DBOS


@DBOS.workflow()
def hello() -> str:
    return "hello"
