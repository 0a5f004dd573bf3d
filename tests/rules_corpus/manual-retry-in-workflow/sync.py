from dbos import DBOS


@DBOS.step()
def push(record: dict) -> None:
    print("push", record)


@DBOS.workflow()
def sync_record(record: dict) -> bool:
    attempts = 0
    while attempts < 5:
        try:
            push(record)
            return True
        except ConnectionError:
            attempts += 1
            DBOS.sleep(10)
    return False
