# expected-rules: workflow-thread-start
from concurrent.futures import ThreadPoolExecutor

from dbos import DBOS


def test_concurrent_workflows(dbos):
    @DBOS.dbos_class()
    class Counter:
        @DBOS.workflow()
        def bump(self, n: int) -> int:
            return n + 1

    counter = Counter()
    with ThreadPoolExecutor(max_workers=8) as executor:
        results = list(executor.map(counter.bump, range(8)))
    assert results == list(range(1, 9))
