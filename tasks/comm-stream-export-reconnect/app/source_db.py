"""The legacy billing database we export from (a stand-in). Do not modify.

`read_rows(table, page, page_size)` yields a page of rows slowly, one by one (the legacy database streams
them over a slow link). Every row read is logged to `source_reads.jsonl`.
Ops drill: with SOURCE_CRASH_ON_ROW=N the process is SIGKILLed while reading its N-th row.
"""

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

TABLES = {"small": 6, "orders": 20}
_read = 0


def row_count(table: str) -> int:
    return TABLES[table]


def read_rows(table: str, page: int, page_size: int) -> Iterator[dict]:
    global _read
    for n in range(page * page_size, min((page + 1) * page_size, TABLES[table])):
        _read += 1
        if _read == int(os.environ.get("SOURCE_CRASH_ON_ROW", "0")):
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.1)
        with Path("source_reads.jsonl").open("a") as out:
            out.write(json.dumps({"table": table, "row": n}) + "\n")
        yield {"table": table, "id": f"{table}-{n:04d}", "amount_cents": 100 * n + 7}
