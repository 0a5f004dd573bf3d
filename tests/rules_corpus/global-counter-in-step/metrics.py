from dbos import DBOS

processed_count = 0


@DBOS.step()
def process(item: dict) -> dict:
    global processed_count
    processed_count += 1
    return {**item, "done": True}


@DBOS.workflow()
def process_all(items: list[dict]) -> list[dict]:
    return [process(i) for i in items]
