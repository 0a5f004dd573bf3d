from concurrent.futures import ThreadPoolExecutor

from dbos import DBOS


def run_batch(items: list[str]) -> list[str]:
    @DBOS.dbos_class()
    class Processor:
        @DBOS.workflow()
        def process(self, item: str) -> str:
            return item.upper()

    processor = Processor()
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(processor.process, item) for item in items]
        return [f.result() for f in futures]
