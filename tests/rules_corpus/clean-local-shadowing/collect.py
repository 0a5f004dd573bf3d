from dbos import DBOS

results: list[int] = []


@DBOS.step()
def square(x: int) -> int:
    return x * x


@DBOS.workflow()
def collect(xs: list[int], results: list[int]) -> list[int]:
    for x in xs:
        results.append(square(x))
    return results


@DBOS.workflow()
def collect_fresh(xs: list[int]) -> list[int]:
    results = []
    for x in xs:
        results.append(square(x))
    return results
