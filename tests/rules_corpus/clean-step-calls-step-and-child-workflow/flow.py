from dbos import DBOS


@DBOS.step()
def normalize(text: str) -> str:
    return text.strip().lower()


@DBOS.step()
def tokenize(text: str) -> list[str]:
    return normalize(text).split()


@DBOS.workflow()
def count(text: str) -> int:
    return len(tokenize(text))


@DBOS.workflow()
def count_all(texts: list[str]) -> int:
    return sum(count(t) for t in texts)
