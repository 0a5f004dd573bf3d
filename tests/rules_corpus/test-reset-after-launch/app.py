from dbos import DBOS


@DBOS.workflow()
def greet(name: str) -> str:
    return f"hi {name}"
