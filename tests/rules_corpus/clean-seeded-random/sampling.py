import random

from dbos import DBOS


@DBOS.step()
def load_population() -> list[int]:
    return list(range(100))


@DBOS.workflow()
def sample(k: int) -> list[int]:
    population = load_population()
    rng = random.Random(DBOS.workflow_id)
    return rng.sample(population, k)
