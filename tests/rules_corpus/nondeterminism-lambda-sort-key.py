# expected-rules: workflow-nondeterminism
import random

from dbos import DBOS


@DBOS.step()
def load_candidates(job_id: str) -> list[str]:
    return ["ann", "bob", "cid"]


@DBOS.workflow()
def shortlist(job_id: str) -> list[str]:
    candidates = load_candidates(job_id)
    return sorted(candidates, key=lambda _: random.random())[:2]
