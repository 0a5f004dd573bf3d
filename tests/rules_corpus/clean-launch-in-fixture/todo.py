from dbos import DBOS

TODOS_FILE = "todos.txt"


@DBOS.step()
def append_todo(text: str) -> None:
    with open(TODOS_FILE, "a") as f:
        f.write(text + "\n")


@DBOS.workflow()
def add_todo(text: str) -> str:
    append_todo(text)
    return text
