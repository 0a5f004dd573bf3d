import os

from dbos import DBOS

jobs_queue = DBOS.register_queue("jobs", global_concurrency=10)


@DBOS.workflow()
def run_job(job_id: int) -> int:
    return job_id


def main() -> None:
    DBOS(config={"name": "jobs", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()
    for i in range(3):
        jobs_queue.enqueue(run_job, i)


if __name__ == "__main__":
    main()
