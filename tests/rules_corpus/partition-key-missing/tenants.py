import os

from dbos import DBOS


@DBOS.workflow()
def rebuild_index(tenant_id: str) -> str:
    return tenant_id


def main() -> None:
    DBOS(config={"name": "search", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()
    DBOS.register_queue("per-tenant", partition_concurrency=1)
    for tenant in ["acme", "globex"]:
        DBOS.enqueue_workflow("per-tenant", rebuild_index, tenant)


if __name__ == "__main__":
    main()
