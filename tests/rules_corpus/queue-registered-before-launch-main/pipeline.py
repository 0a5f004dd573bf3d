import os

from dbos import DBOS


@DBOS.workflow()
def transform(chunk: int) -> int:
    return chunk * 2


def main() -> None:
    DBOS(config={"name": "pipe", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.register_queue("chunks", worker_concurrency=3)
    DBOS.launch()
    handles = [DBOS.enqueue_workflow("chunks", transform, c) for c in range(5)]
    print(sum(h.get_result() for h in handles))


if __name__ == "__main__":
    main()
