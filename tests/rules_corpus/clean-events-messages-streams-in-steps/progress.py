from dbos import DBOS


@DBOS.step()
def process_chunk(parent_id: str, chunk: int) -> int:
    DBOS.write_stream("progress", {"chunk": chunk})
    DBOS.set_event("last_chunk", chunk)
    if chunk == 9:
        DBOS.send(parent_id, "done", topic="chunks")
    return chunk


@DBOS.workflow()
def import_file(parent_id: str) -> int:
    total = 0
    for chunk in range(10):
        total += process_chunk(parent_id, chunk)
    DBOS.close_stream("progress")
    return total
