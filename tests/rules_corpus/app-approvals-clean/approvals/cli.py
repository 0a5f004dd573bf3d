import argparse
import os

from dbos import DBOS, DBOSConfig, SetWorkflowID

from approvals.flow import APPROVAL_TOPIC, review


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["start", "approve", "reject"])
    parser.add_argument("doc_id")
    args = parser.parse_args()
    config: DBOSConfig = {
        "name": "approvals",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "1",
    }
    DBOS(config=config)
    DBOS.launch()
    workflow_id = f"review-{args.doc_id}"
    if args.command == "start":
        with SetWorkflowID(workflow_id):
            DBOS.start_workflow(review, args.doc_id)
    else:
        DBOS.send(workflow_id, args.command + "d", topic=APPROVAL_TOPIC)


if __name__ == "__main__":
    main()
