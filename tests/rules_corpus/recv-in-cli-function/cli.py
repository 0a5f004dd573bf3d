import os
import sys

from dbos import DBOS


@DBOS.workflow()
def long_job(n: int) -> int:
    DBOS.set_event("progress", 0)
    return n


def wait_for_result(workflow_id: str):
    return DBOS.recv(topic="result", timeout_seconds=60)


if __name__ == "__main__":
    DBOS(config={"name": "cli", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()
    handle = DBOS.start_workflow(long_job, int(sys.argv[1]))
    print(wait_for_result(handle.get_workflow_id()))
